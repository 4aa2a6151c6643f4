import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { cdkOut, resourcesOf, STACKS, template, templateJson } from './assembly.ts';

// Independent of the code under test: the pins and the rules file as they are in the repository.
const PHONENUMBERS_PIN = readFileSync('amplify/custom/glue-transform/job/requirements.txt', 'utf8')
  .split('\n')
  .find((line) => line.startsWith('phonenumbers=='));
const RULES_JSON = readFileSync('src/core/identifiers/rules.json');

type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Condition?: unknown };

function statementsOfRole(part: RegExp, rolePrefix: string): Statement[] {
  const t = templateJson(part);
  const statements: Statement[] = [];
  for (const [id, resource] of Object.entries(t.Resources)) {
    const props = resource.Properties as
      | {
          PolicyDocument?: { Statement: Statement[] };
          Policies?: Array<{ PolicyDocument: { Statement: Statement[] } }>;
        }
      | undefined;
    const roles = JSON.stringify((props as { Roles?: unknown } | undefined)?.Roles ?? []);
    if (resource.Type === 'AWS::IAM::Policy' && (id.startsWith(rolePrefix) || roles.includes(`"${rolePrefix}`)))
      statements.push(...(props?.PolicyDocument?.Statement ?? []));
    if (resource.Type === 'AWS::IAM::Role' && id.startsWith(rolePrefix))
      for (const policy of props?.Policies ?? []) statements.push(...policy.PolicyDocument.Statement);
  }
  return statements;
}

const actionsOf = (statements: Statement[]) =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();

function functionProps(name: string): Record<string, unknown> {
  const found = resourcesOf(STACKS.data, 'AWS::Lambda::Function').filter(([id]) =>
    id.startsWith(name.replaceAll('-', '') + 'lambda'),
  );
  expect(found, name).toHaveLength(1);
  return (found[0] as [string, Record<string, unknown>])[1];
}

const FUNCTIONS = [
  'data-source',
  'job-control',
  'tiktok-account',
  'audience-uploader',
  'audience-status',
  'transform-failure',
];

describe('auth', () => {
  it('invites users only, with a strong password policy, TOTP MFA available and no guests', () => {
    template(STACKS.auth).hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 14,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: Match.arrayWith(['SOFTWARE_TOKEN_MFA']),
    });
    // No guest identities: signed-out visitors get no AWS credentials.
    template(STACKS.auth).hasResourceProperties('AWS::Cognito::IdentityPool', {
      AllowUnauthenticatedIdentities: false,
    });
  });

  it('has the Admins and Uploaders groups, and no first admin unless one is configured', () => {
    const groups = resourcesOf(STACKS.auth, 'AWS::Cognito::UserPoolGroup').map(([, p]) => p.GroupName);
    expect(groups.sort()).toEqual(['Admins', 'Uploaders']);
    expect(resourcesOf(STACKS.auth, 'AWS::Cognito::UserPoolUser')).toHaveLength(0);
  });
});

describe('data', () => {
  const schemaFile = readdirSync(cdkOut()).find(
    (name) => name.endsWith('.graphql') && readFileSync(join(cdkOut(), name), 'utf8').includes('type Subscription'),
  );
  const schema = readFileSync(join(cdkOut(), schemaFile as string), 'utf8');
  /** The schema as Amplify wrote it from amplify/data/resource.ts, with its @auth rules. */
  const modelSchemaDir = readdirSync(cdkOut()).find((name) => {
    try {
      return readdirSync(join(cdkOut(), name)).includes('model-schema.graphql');
    } catch {
      return false;
    }
  });
  const modelSchema = readFileSync(join(cdkOut(), modelSchemaDir as string, 'model-schema.graphql'), 'utf8');
  const block = (type: string) => {
    const match = new RegExp(`type ${type} [^{]*\\{([^}]*)\\}`).exec(schema);
    return match?.[1] ?? '';
  };

  it('has the Job and JobEvent models with group-read authorization and live updates', () => {
    for (const field of [
      'state: JobState!',
      'plan: AWSJSON!',
      'progress: AWSJSON',
      'result: AWSJSON',
      'runGeneration: Int!',
      'outputExpiresAt: AWSDateTime',
    ])
      expect(block('Job')).toContain(field);
    expect(block('JobEvent')).toContain('seq: Float!');
    const membersRead = '@auth(rules: [{allow: groups, operations: [read], groups: ["Admins", "Uploaders"]}])';
    expect(modelSchema).toContain(`type Job @model ${membersRead}`);
    expect(modelSchema).toContain(`type JobEvent @model ${membersRead}`);
    expect(block('Subscription')).toMatch(/onUpdateJob\(filter: ModelSubscriptionJobFilterInput\): Job/);
    expect(block('Subscription')).toMatch(/onCreateJobEvent/);
  });

  it('defines the custom queries and mutations with their arguments and return types', () => {
    const query = block('Query');
    expect(query).toMatch(/listSourceFiles\(prefix: String, nextToken: String\): SourceFileList/);
    expect(query).toMatch(/discoverSchema\(inputs: \[String!\]!, sampleRows: Int\): AWSJSON/);
    expect(query).toMatch(
      /previewMapping\(inputs: \[String!\]!, mapping: AWSJSON!, options: AWSJSON, sampleRows: Int\): AWSJSON/,
    );
    expect(query).toMatch(/listAudiences\(advertiserId: String\): AWSJSON/);
    expect(query).toMatch(/credentialsStatus: CredentialsStatus/);
    expect(query).toMatch(/listJobsByTransformRun\(transformRunId: String!/);
    const mutation = block('Mutation');
    expect(mutation).toMatch(/startUpload\(plan: AWSJSON!\): Job/);
    expect(mutation).toMatch(/cancelJob\(id: ID!\): Job/);
    expect(mutation).toMatch(/retryJob\(id: ID!\): Job/);
    expect(mutation).toMatch(/removeJob\(id: ID!\): DeletedJob/);
    expect(mutation).toMatch(/setCredentials\(accessToken: String, advertiserId: String\): CredentialsStatus/);
  });

  it('lets members call the custom operations and only Admins set credentials', () => {
    const members = '@auth(rules: [{allow: groups, groups: ["Admins", "Uploaders"]}])';
    const line = (operation: string) =>
      modelSchema.split('\n').find((l) => l.trim().startsWith(`${operation}(`) || l.trim().startsWith(`${operation}:`));
    for (const operation of [
      'listSourceFiles',
      'discoverSchema',
      'previewMapping',
      'startUpload',
      'cancelJob',
      'retryJob',
      'removeJob',
      'listAudiences',
      'credentialsStatus',
    ]) {
      expect(line(operation), operation).toContain('@function(');
      expect(line(operation), operation).toContain(members);
    }
    expect(modelSchema).toMatch(
      /setCredentials\([^)]*\): CredentialsStatus @function\([^)]*\) @auth\(rules: \[\{allow: groups, groups: \["Admins"\]\}\]\)/,
    );
  });

  it('grants the functions that change jobs access to the Data API (allow.resource)', () => {
    for (const name of ['job-control', 'audience-uploader', 'audience-status', 'transform-failure']) {
      const statements = statementsOfRole(STACKS.data, `${name.replaceAll('-', '')}lambdaServiceRole`);
      expect(actionsOf(statements), name).toContain('appsync:GraphQL');
    }
    for (const name of ['data-source', 'tiktok-account']) {
      const statements = statementsOfRole(STACKS.data, `${name.replaceAll('-', '')}lambdaServiceRole`);
      expect(actionsOf(statements), name).not.toContain('appsync:GraphQL');
    }
  });
});

describe('functions', () => {
  it.each(FUNCTIONS)('%s runs on Node 24 with its settings in the environment', (name) => {
    const props = functionProps(name);
    expect(props.Runtime).toBe('nodejs24.x');
    const variables = Object.keys((props.Environment as { Variables: Record<string, unknown> }).Variables);
    expect(variables.filter((v) => v.startsWith('AU_')).length).toBeGreaterThan(0);
  });

  it('bundled every handler with esbuild (no Docker): an index.mjs per function asset', () => {
    const bundles = readdirSync(cdkOut()).filter((name) => {
      try {
        return readdirSync(join(cdkOut(), name)).includes('index.mjs');
      } catch {
        return false;
      }
    });
    expect(bundles.length).toBeGreaterThanOrEqual(FUNCTIONS.length);
  });

  it('feeds each queue consumer with partial batch responses; the uploader one message at a time', () => {
    const mappings = resourcesOf(STACKS.data, 'AWS::Lambda::EventSourceMapping');
    const byFunction = Object.fromEntries(
      mappings.map(([, p]) => [(p.FunctionName as { Ref: string }).Ref.replace(/lambda.*$/, ''), p]),
    );
    expect(Object.keys(byFunction).sort()).toEqual(['audiencestatus', 'audienceuploader', 'transformfailure']);
    for (const props of Object.values(byFunction))
      expect(props.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(byFunction.audienceuploader?.BatchSize).toBe(1);
  });
});

describe('outputs', () => {
  it('publishes the settings the web app shows in amplify_outputs.json (custom.settings)', () => {
    const root = templateJson(/amplify-local-dev-sandbox-[0-9a-f]+\.template\.json$/) as unknown as {
      Outputs: Record<string, { Value: string }>;
    };
    expect(JSON.parse(root.Outputs.customOutputs?.Value as string)).toEqual({
      version: '1.4',
      custom: {
        settings: { targetPlatform: 'tiktok', tiktokQps: 10, outputRetentionDays: 7, existingDataBucket: false },
      },
    });
  });
});

describe('storage', () => {
  it('makes the data bucket with Amplify storage when no existing bucket is named', () => {
    expect(resourcesOf(STACKS.storage, 'AWS::S3::Bucket').length).toBeGreaterThanOrEqual(1);
    const glue = statementsOfRole(STACKS.pipeline, 'GlueTransformRole');
    const read = glue.find(
      (s) => actionsOf([s]).includes('s3:GetObject') && JSON.stringify(s.Resource).includes('/uploads/*'),
    );
    expect(read).toBeDefined();
  });

  it('the artifacts bucket: KMS, bucket key, SSL only, no public access, 7-day expiry of jobs/, access logs, EventBridge', () => {
    const pipeline = template(STACKS.pipeline);
    pipeline.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() },
            BucketKeyEnabled: true,
          },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Prefix: 'jobs/', ExpirationInDays: 7, Status: 'Enabled' })]),
      },
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'artifacts/' },
    });
    pipeline.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    });
    pipeline.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    pipeline.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });
});

describe('Glue transform', () => {
  const [, job] = resourcesOf(STACKS.pipeline, 'AWS::Glue::Job')[0] as [string, Record<string, unknown>];
  const args = job.DefaultArguments as Record<string, unknown>;

  it('is Glue 5.0 with the worker settings, enough concurrent runs, and no retries of its own', () => {
    expect(job).toMatchObject({
      GlueVersion: '5.0',
      Command: { Name: 'glueetl', PythonVersion: '3' },
      WorkerType: 'G.1X',
      NumberOfWorkers: 10,
      Timeout: 120,
      MaxRetries: 0,
    });
    expect((job.ExecutionProperty as { MaxConcurrentRuns: number }).MaxConcurrentRuns).toBeGreaterThanOrEqual(20);
  });

  it('installs the phonenumbers pin of requirements.txt and logs continuously', () => {
    expect(PHONENUMBERS_PIN).toMatch(/^phonenumbers==\d+\.\d+\.\d+$/);
    expect(args['--additional-python-modules']).toBe(PHONENUMBERS_PIN);
    expect(args['--enable-continuous-cloudwatch-log']).toBe('true');
  });

  it('ships the repository’s rules.json as an asset, byte for byte, and no second copy is committed', () => {
    const assets = readdirSync(cdkOut()).filter((name) => name.startsWith('asset.') && name.endsWith('.json'));
    const rulesAsset = assets.find((name) => readFileSync(join(cdkOut(), name)).equals(RULES_JSON));
    expect(rulesAsset).toBeDefined();
    expect(JSON.stringify(args['--extra-files'])).toContain(rulesAsset?.slice('asset.'.length));
    expect(args['--rules-path']).toBe(rulesAsset?.slice('asset.'.length));
    const committed = execFileSync('git', ['ls-files'], { encoding: 'utf8' })
      .split('\n')
      .filter((file) => file.endsWith('rules.json'));
    expect(committed).toEqual(['src/core/identifiers/rules.json']);
  });

  it('has a security configuration: SSE-KMS output, KMS-encrypted logs and bookmarks', () => {
    template(STACKS.pipeline).hasResourceProperties('AWS::Glue::SecurityConfiguration', {
      EncryptionConfiguration: {
        S3Encryptions: [{ S3EncryptionMode: 'SSE-KMS', KmsKeyArn: Match.anyValue() }],
        CloudWatchEncryption: { CloudWatchEncryptionMode: 'SSE-KMS', KmsKeyArn: Match.anyValue() },
        JobBookmarksEncryption: { JobBookmarksEncryptionMode: 'CSE-KMS', KmsKeyArn: Match.anyValue() },
      },
    });
    expect(job.SecurityConfiguration).toEqual({ Ref: expect.stringMatching(/^GlueTransformSecurityConfiguration/) });
  });

  it('may read the data bucket and write jobs/ of the artifacts bucket, nothing broader', () => {
    const statements = statementsOfRole(STACKS.pipeline, 'GlueTransformRole');
    const s3 = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('s3:')));
    for (const statement of s3) {
      const resource = JSON.stringify(statement.Resource);
      expect(resource).toMatch(/uploads\/\*|jobs\/\*|Arn"\}$|"Arn"\]\}$|assets|\.Arn|Fn::GetAtt|Ref/);
    }
    const writes = s3.filter((s) => actionsOf([s]).includes('s3:PutObject'));
    expect(writes).toHaveLength(1);
    expect(JSON.stringify(writes[0]?.Resource)).toContain('/jobs/*');
    expect(actionsOf(statements).filter((a) => a.includes('*'))).toEqual([]);
  });
});

describe('upload pipeline', () => {
  const queues = resourcesOf(STACKS.pipeline, 'AWS::SQS::Queue');
  const mainQueues = queues.filter(([id]) => !id.includes('DeadLetters'));
  const deadLetters = queues.filter(([id]) => id.includes('DeadLetters'));

  it('matches manifests on THIS artifacts bucket by exact name, under jobs/, into the upload queue', () => {
    const [, rule] = resourcesOf(STACKS.pipeline, 'AWS::Events::Rule').find(([id]) =>
      id.includes('ManifestCreated'),
    ) as [string, Record<string, unknown>];
    expect(rule.EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: {
        bucket: { name: [{ Ref: expect.stringMatching(/^ArtifactsBucket/) }] },
        object: { key: [{ wildcard: 'jobs/*/manifest.json' }] },
      },
    });
    const target = (rule.Targets as Array<{ Arn: unknown; DeadLetterConfig?: unknown }>)[0];
    expect(target?.Arn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^UploadPipelineUploadQueue/), 'Arn'] });
    expect(target?.DeadLetterConfig).toBeDefined();
  });

  it('sends failed, timed-out, stopped and errored runs of THIS Glue job to the failure queue', () => {
    const [, rule] = resourcesOf(STACKS.pipeline, 'AWS::Events::Rule').find(([id]) =>
      id.includes('TransformFailed'),
    ) as [string, Record<string, unknown>];
    const [jobId, job] = resourcesOf(STACKS.pipeline, 'AWS::Glue::Job')[0] as [string, Record<string, unknown>];
    expect(jobId).toMatch(/^GlueTransformJob/);
    expect(rule.EventPattern).toEqual({
      source: ['aws.glue'],
      'detail-type': ['Glue Job State Change'],
      detail: { jobName: [job.Name], state: ['FAILED', 'TIMEOUT', 'STOPPED', 'ERROR'] },
    });
  });

  it('every queue is KMS-encrypted; each main queue redrives to its DLQ after 5 receives, visibility 6× its consumer', () => {
    expect(mainQueues).toHaveLength(3);
    expect(deadLetters).toHaveLength(3);
    for (const [, props] of queues) expect(props.KmsMasterKeyId).toBeDefined();
    const visibility = Object.fromEntries(
      mainQueues.map(([id, p]) => [id.replace(/Queue.*$/, '').replace('UploadPipeline', ''), p.VisibilityTimeout]),
    );
    const timeout = (name: string) => functionProps(name).Timeout as number;
    expect(visibility).toEqual({
      Upload: timeout('audience-uploader') * 6,
      Status: timeout('audience-status') * 6,
      TransformFailure: timeout('transform-failure') * 6,
    });
    for (const [, props] of mainQueues)
      expect(props.RedrivePolicy).toEqual({ deadLetterTargetArn: expect.anything(), maxReceiveCount: 5 });
  });

  it('every queue refuses plain HTTP', () => {
    const policies = resourcesOf(STACKS.pipeline, 'AWS::SQS::QueuePolicy');
    expect(policies).toHaveLength(6);
    for (const [, props] of policies)
      expect(JSON.stringify(props.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
  });

  it('alarms on any message in each dead-letter queue', () => {
    const alarms = resourcesOf(STACKS.pipeline, 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(3);
    for (const [, alarm] of alarms)
      expect(alarm).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
  });

  it('keeps the TikTok credentials in a KMS-encrypted secret and the ledger and rate limit in KMS tables with PITR and TTL', () => {
    const pipeline = template(STACKS.pipeline);
    pipeline.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: Match.anyValue(), SecretString: '{}' });
    pipeline.resourceCountIs('AWS::DynamoDB::Table', 2);
    pipeline.allResourcesProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
    });
  });
});

describe('least privilege of the functions', () => {
  const own = (name: string) =>
    statementsOfRole(STACKS.data, `${name.replaceAll('-', '')}lambdaServiceRoleDefaultPolicy`).filter(
      (s) =>
        !actionsOf([s]).some(
          (a) =>
            a.startsWith('appsync:') ||
            a.startsWith('ssm:') ||
            (a.startsWith('s3:GetObject') && JSON.stringify(s.Resource).includes('modelIntrospection')),
        ),
    );

  it('data-source only reads the data bucket', () => {
    expect([...new Set(actionsOf(own('data-source')))]).toEqual(['s3:GetObject', 's3:ListBucket']);
  });

  it('tiktok-account reads and writes the secret and uses the rate-limit table; nothing of S3, SQS or Glue', () => {
    const actions = actionsOf(own('tiktok-account'));
    expect(actions).toEqual(
      expect.arrayContaining(['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'dynamodb:UpdateItem']),
    );
    expect(actions.filter((a) => /^(s3|sqs|glue):/.test(a))).toEqual([]);
  });

  it('only job-control may start or stop Glue runs, and only of this job', () => {
    for (const name of FUNCTIONS) {
      const glue = own(name).filter((s) => actionsOf([s]).some((a) => a.startsWith('glue:')));
      if (name !== 'job-control') expect(glue, name).toEqual([]);
      else {
        expect(actionsOf(glue)).toEqual(['glue:BatchStopJobRun', 'glue:GetJobRun', 'glue:StartJobRun']);
        expect(JSON.stringify(glue[0]?.Resource)).toMatch(/:job\//);
      }
    }
  });

  it('only tiktok-account may write the secret; no function is granted a Scan or a wildcard action', () => {
    for (const name of FUNCTIONS) {
      const actions = actionsOf(own(name));
      if (name !== 'tiktok-account') expect(actions, name).not.toContain('secretsmanager:PutSecretValue');
      expect(actions, name).not.toContain('dynamodb:Scan');
      expect(
        actions.filter((a) => a.includes('*')),
        name,
      ).toEqual([]);
    }
  });
});
