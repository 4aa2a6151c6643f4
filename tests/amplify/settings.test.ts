import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CfnIdentityPool, CfnUserPool, CfnUserPoolGroup } from 'aws-cdk-lib/aws-cognito';
import { describe, expect, it } from 'vitest';
import { hardenUserPool } from '../../amplify/auth/harden-user-pool.ts';
import { glueAdditionalPythonModules } from '../../amplify/custom/glue-transform/resource.ts';
import { DeploySettingsError, readDeploySettings } from '../../amplify/settings.ts';
import { rejectionOf } from '../helpers/rejection-of.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    readDeploySettings(env);
  } catch (error) {
    if (error instanceof DeploySettingsError) return error.problems;
    throw error;
  }
  return [];
}

describe('deploy-time settings', () => {
  it('defaults: tiktok, no admin, Amplify storage, 7 days, a key of its own, G.1X × 10, 120 min, 20 runs, 10 QPS', () => {
    expect(readDeploySettings({})).toEqual({
      targetPlatform: 'tiktok',
      artifactsRetentionDays: 7,
      glueWorkerType: 'G.1X',
      glueNumberOfWorkers: 10,
      glueTimeoutMinutes: 120,
      glueMaxConcurrentRuns: 20,
      tiktokQps: 10,
    });
  });

  it('reads every setting from its variable (empty counts as unset)', () => {
    const settings = readDeploySettings({
      AU_TARGET_PLATFORM: 'tiktok',
      AU_ADMIN_EMAIL: ' ops@example.com ',
      AU_DATA_BUCKET_NAME: 'clean-rooms-results.prod',
      AU_ARTIFACTS_RETENTION_DAYS: '3',
      AU_KMS_KEY_ARN: 'arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9',
      AU_GLUE_WORKER_TYPE: 'G.2X',
      AU_GLUE_NUMBER_OF_WORKERS: '4',
      AU_GLUE_TIMEOUT_MINUTES: '60',
      AU_GLUE_MAX_CONCURRENT_RUNS: '50',
      AU_TIKTOK_QPS: '20',
      AU_UNRELATED: '',
    });
    expect(settings).toMatchObject({
      adminEmail: 'ops@example.com',
      dataBucketName: 'clean-rooms-results.prod',
      artifactsRetentionDays: 3,
      glueWorkerType: 'G.2X',
      glueNumberOfWorkers: 4,
      glueMaxConcurrentRuns: 50,
      tiktokQps: 20,
    });
    const blank = readDeploySettings({ AU_ADMIN_EMAIL: '', AU_DATA_BUCKET_NAME: '   ' });
    expect(blank.adminEmail).toBeUndefined();
    expect(blank.dataBucketName).toBeUndefined();
  });

  it.each([
    ['AU_TARGET_PLATFORM', 'meta', /AU_TARGET_PLATFORM = "meta"/],
    ['AU_ADMIN_EMAIL', 'not-an-email', /AU_ADMIN_EMAIL = "not-an-email": must be an email address/],
    ['AU_DATA_BUCKET_NAME', 'Bad_Bucket', /AU_DATA_BUCKET_NAME = "Bad_Bucket": must be an S3 bucket name/],
    ['AU_ARTIFACTS_RETENTION_DAYS', '0', /AU_ARTIFACTS_RETENTION_DAYS = "0"/],
    ['AU_ARTIFACTS_RETENTION_DAYS', 'week', /AU_ARTIFACTS_RETENTION_DAYS = "week"/],
    ['AU_KMS_KEY_ARN', 'alias/mine', /AU_KMS_KEY_ARN = "alias\/mine": must be a KMS key ARN/],
    ['AU_GLUE_WORKER_TYPE', 'Standard', /AU_GLUE_WORKER_TYPE = "Standard"/],
    ['AU_GLUE_MAX_CONCURRENT_RUNS', '2', /AU_GLUE_MAX_CONCURRENT_RUNS = "2"/],
    ['AU_TIKTOK_QPS', '500', /AU_TIKTOK_QPS = "500"/],
  ])('%s=%s is refused at synth, naming the variable', (variable, value, message) => {
    const problems = problemsOf({ [variable]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('lists every bad setting at once, and says where to fix them', async () => {
    const error = await rejectionOf(
      (async () => readDeploySettings({ AU_ADMIN_EMAIL: 'x', AU_GLUE_WORKER_TYPE: 'big' }))(),
      DeploySettingsError,
    );
    expect(error.problems).toHaveLength(2);
    expect(error.message).toContain('App settings → Environment variables');
  });
});

describe('hardenUserPool', () => {
  it('invites the first admin into Admins when an email is set', () => {
    const stack = new Stack(new App(), 'Auth');
    const pool = new CfnUserPool(stack, 'Pool', {});
    const identities = new CfnIdentityPool(stack, 'Identities', { allowUnauthenticatedIdentities: true });
    const group = new CfnUserPoolGroup(stack, 'Admins', { userPoolId: pool.ref, groupName: 'Admins' });
    hardenUserPool(
      {
        cfnResources: { cfnUserPool: pool, cfnIdentityPool: identities },
        groups: { Admins: { cfnUserGroup: group } },
      } as never,
      { adminEmail: 'ops@example.com' },
    );
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Cognito::UserPoolUser', {
      Username: 'ops@example.com',
      DesiredDeliveryMediums: ['EMAIL'],
      UserAttributes: [
        { Name: 'email', Value: 'ops@example.com' },
        { Name: 'email_verified', Value: 'true' },
      ],
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolUserToGroupAttachment', {
      GroupName: { Ref: stack.getLogicalId(group) },
      Username: { Ref: Match.stringLikeRegexp('^FirstAdmin') },
    });
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
    template.hasResourceProperties('AWS::Cognito::IdentityPool', { AllowUnauthenticatedIdentities: false });
  });
});

describe('Glue python modules', () => {
  it('passes the exact pins of requirements.txt and refuses a loose one', async () => {
    expect(glueAdditionalPythonModules()).toMatch(/^phonenumbers==\d+\.\d+\.\d+$/);
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'au-req-'));
    writeFileSync(join(dir, 'r.txt'), '# pins\nphonenumbers>=9\n');
    expect(() => glueAdditionalPythonModules(join(dir, 'r.txt'))).toThrow(/not an exact pin/);
    writeFileSync(join(dir, 'r.txt'), 'requests==2.0.0\n');
    expect(() => glueAdditionalPythonModules(join(dir, 'r.txt'))).toThrow(/no phonenumbers pin/);
  });
});
