import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { NAG_ACKNOWLEDGEMENTS } from '../../amplify/nag-acknowledgements.ts';
import { STACKS, templateFiles, templateJson } from './assembly.ts';

interface NagFinding {
  rule: string;
  path: string;
  owner?: 'ours' | 'amplify';
  reason?: string;
}

describe('cdk-nag AwsSolutions', () => {
  const report = JSON.parse(readFileSync(inject('nagReport'), 'utf8')) as {
    acknowledged: NagFinding[];
    remaining: NagFinding[];
  };

  it('reports no unacknowledged finding in our constructs', () => {
    const ours = report.remaining.filter((finding) => finding.owner === 'ours').map((f) => `${f.rule} at ${f.path}`);
    expect(ours).toEqual([]);
  });

  it('gives every acknowledgement a reason', () => {
    expect(report.acknowledged.length).toBeGreaterThan(0);
    for (const finding of report.acknowledged) expect(finding.reason?.length ?? 0, finding.rule).toBeGreaterThan(20);
  });

  it('uses every entry of the reviewed acknowledgement list (no stale excuses)', () => {
    const used = new Set(report.acknowledged.map((finding) => finding.reason));
    expect(
      NAG_ACKNOWLEDGEMENTS.filter((entry) => !entry.onlyWith && !used.has(entry.reason)).map((entry) => entry.reason),
    ).toEqual([]);
  });

  it('lists the Amplify-managed findings (for information)', () => {
    const amplify = report.remaining.filter((finding) => finding.owner === 'amplify');
    const rules = [...new Set(amplify.map((finding) => finding.rule.replace(/\[.*$/, '')))].sort();
    console.log(`Amplify-managed cdk-nag findings (${amplify.length}): ${rules.join(', ')}`);
    expect(amplify.every((finding) => !/\/tiktok-pipeline\//.test(finding.path))).toBe(true);
  });
});

describe('cfn-lint', () => {
  it('reports no error in any synthesized template', () => {
    const files = templateFiles();
    expect(files.length).toBeGreaterThanOrEqual(8);
    const lint = spawnSync('.venv/bin/cfn-lint', ['--format', 'json', ...files], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    expect(lint.error).toBeUndefined();
    const findings = JSON.parse(lint.stdout || '[]') as Array<{
      Level: string;
      Rule: { Id: string };
      Message: string;
      Filename: string;
    }>;
    const errors = findings
      .filter((finding) => finding.Level === 'Error')
      .map((f) => `${f.Rule.Id} ${f.Message} (${f.Filename})`);
    expect(errors).toEqual([]);
    // Exit code 2 means errors; 4 and 8 are warnings and informational findings.
    expect(lint.status === null ? -1 : lint.status & 2).toBe(0);
  });
});

describe('IAM Resource "*"', () => {
  it('appears in our stacks only where acknowledged: PutMetricData (Glue namespace), which has no resource-level permissions', () => {
    const wildcards: string[] = [];
    const visit = (template: ReturnType<typeof templateJson>, stack: string, ours: (id: string) => boolean) => {
      for (const [id, resource] of Object.entries(template.Resources)) {
        if (!ours(id)) continue;
        const props = resource.Properties as Record<string, unknown> | undefined;
        const documents = [
          props?.PolicyDocument,
          ...((props?.Policies as Array<{ PolicyDocument: unknown }> | undefined) ?? []).map((p) => p.PolicyDocument),
        ];
        for (const document of documents) {
          for (const statement of (document as { Statement?: Array<Record<string, unknown>> } | undefined)?.Statement ??
            []) {
            const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
            if (resources.includes('*')) wildcards.push(`${stack}/${id}: ${JSON.stringify(statement.Action)}`);
          }
        }
      }
    };
    visit(templateJson(STACKS.pipeline), 'pipeline', () => true);
    visit(templateJson(STACKS.data), 'data', (id) =>
      /^(datasource|jobcontrol|tiktokaccount|audienceuploader|audiencestatus|transformfailure)lambda/.test(id),
    );
    expect(wildcards.sort()).toEqual([
      expect.stringMatching(/^pipeline\/GlueTransformRole[0-9A-F]+: "cloudwatch:PutMetricData"$/),
    ]);
  });
});
