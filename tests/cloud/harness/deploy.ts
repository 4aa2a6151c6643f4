import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateJobCommand, GlueClient } from '@aws-sdk/client-glue';
import { CreateBucketCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { endpoint, s3, sqs } from './aws.ts';
import { CloudAssembly, type TemplateResource } from './cloud-template.ts';
import { installRule } from './s3-events.ts';

export interface Deployment {
  assembly: CloudAssembly;
  /** Resolved properties of a resource. */
  props(resource: TemplateResource): Record<string, unknown>;
  /** A function's resolved environment variables (by its Amplify name, e.g. `audience-uploader`). */
  environment(functionName: string): Record<string, string>;
}

/**
 * "Deploys" the synthesized backend on moto the way CloudFormation would create the resources the
 * pipeline runs on: S3 buckets, SQS queues (redrive policies, visibility timeouts, delays), DynamoDB
 * tables (keys, TTL), Secrets Manager secrets, the Glue job (default arguments, concurrency) and the
 * EventBridge rules with their SQS targets — every property taken from the templates, none restated.
 * Amplify Data's own tables are not created: the Data API is answered by the test's GraphQL server.
 */
export async function deploy(cdkOut: string, deployment: string): Promise<Deployment> {
  const assembly = new CloudAssembly(cdkOut, deployment, endpoint());
  const props = (resource: TemplateResource) =>
    assembly.resolve(resource.properties, resource.stack) as Record<string, unknown>;
  const clientConfig = { endpoint: endpoint() };

  // Secrets first: moto gives each an ARN with a random suffix, which other resources then reference.
  const secrets = new SecretsManagerClient(clientConfig);
  for (const secret of assembly.resources('AWS::SecretsManager::Secret')) {
    const p = props(secret);
    const created = await secrets.send(
      new CreateSecretCommand({
        Name: assembly.physicalName(secret),
        SecretString: p.SecretString as string,
        Description: p.Description as string | undefined,
      }),
    );
    assembly.overrides.set(assembly.key(secret), created.ARN!);
  }

  for (const bucket of assembly.resources('AWS::S3::Bucket')) {
    const name = assembly.physicalName(bucket);
    await s3().send(new CreateBucketCommand({ Bucket: name }));
    const versioning = props(bucket).VersioningConfiguration as { Status?: string } | undefined;
    if (versioning?.Status) {
      await s3().send(
        new PutBucketVersioningCommand({
          Bucket: name,
          VersioningConfiguration: { Status: versioning.Status as 'Enabled' },
        }),
      );
    }
  }

  // Dead-letter queues before the queues whose redrive policy names them.
  const queues = assembly.resources('AWS::SQS::Queue');
  queues.sort((a, b) => Number('RedrivePolicy' in a.properties) - Number('RedrivePolicy' in b.properties));
  for (const queue of queues) {
    const p = props(queue);
    const attributes: Record<string, string> = {};
    for (const name of [
      'VisibilityTimeout',
      'DelaySeconds',
      'MessageRetentionPeriod',
      'ReceiveMessageWaitTimeSeconds',
    ]) {
      if (p[name] !== undefined) attributes[name] = String(p[name]);
    }
    if (p.RedrivePolicy) attributes.RedrivePolicy = JSON.stringify(p.RedrivePolicy);
    if (p.FifoQueue) attributes.FifoQueue = 'true';
    await sqs().send(new CreateQueueCommand({ QueueName: assembly.physicalName(queue, 80), Attributes: attributes }));
  }

  const dynamo = new DynamoDBClient(clientConfig);
  for (const table of assembly.resources('AWS::DynamoDB::Table')) {
    const p = props(table);
    const name = assembly.physicalName(table);
    await dynamo.send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: p.AttributeDefinitions as never,
        KeySchema: p.KeySchema as never,
        GlobalSecondaryIndexes: p.GlobalSecondaryIndexes as never,
        BillingMode: (p.BillingMode as 'PAY_PER_REQUEST') ?? 'PAY_PER_REQUEST',
      }),
    );
    const ttl = p.TimeToLiveSpecification as { AttributeName: string; Enabled: boolean } | undefined;
    if (ttl?.Enabled) {
      await dynamo.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: ttl }));
    }
  }

  const glue = new GlueClient(clientConfig);
  for (const job of assembly.resources('AWS::Glue::Job')) {
    const p = props(job);
    try {
      await glue.send(
        new CreateJobCommand({
          Name: assembly.physicalName(job),
          Role: p.Role as string,
          Command: p.Command as never,
          DefaultArguments: p.DefaultArguments as Record<string, string>,
          ExecutionProperty: p.ExecutionProperty as never,
          GlueVersion: p.GlueVersion as string,
          WorkerType: p.WorkerType as never,
          NumberOfWorkers: p.NumberOfWorkers as number,
          Timeout: p.Timeout as number,
          SecurityConfiguration: p.SecurityConfiguration as string,
        }),
      );
    } catch (error) {
      // The job's name is fixed by the template: an earlier test file of this run created it already.
      if ((error as Error).name !== 'AlreadyExistsException') throw error;
    }
  }

  for (const rule of assembly.resources('AWS::Events::Rule')) {
    const p = props(rule);
    const targets = (p.Targets as { Arn: string }[]).filter((t) => t.Arn.startsWith('arn:aws:sqs:'));
    if (!p.EventPattern || targets.length !== 1) continue;
    await installRule(assembly.physicalName(rule), p.EventPattern as object, targets[0]!.Arn);
  }

  return {
    assembly,
    props,
    environment(functionName: string) {
      const fn = assembly.lambda(functionName);
      const env = props(fn).Environment as { Variables?: Record<string, string> } | undefined;
      return { ...(env?.Variables ?? {}) };
    },
  };
}
