import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';

/** One AWS API call a function made: IAM action (`s3:GetObject`) and the request's input. */
export interface AwsCall {
  function: string;
  action: string;
  input: Record<string, unknown>;
}

const invoking = new AsyncLocalStorage<string>();
export const calls: AwsCall[] = [];
/** SQS DelaySeconds the functions asked for (the harness sends with 0: see `installAwsCallRecorder`). */
export const requestedDelays: { function: string; queueUrl: string; delaySeconds: number }[] = [];

/** IAM prefixes of the SDK clients the functions use (client serviceId → IAM service). */
const IAM_SERVICE: Record<string, string> = {
  S3: 's3',
  SQS: 'sqs',
  DynamoDB: 'dynamodb',
  'Secrets Manager': 'secretsmanager',
  Glue: 'glue',
  SSM: 'ssm',
  KMS: 'kms',
  AppSync: 'appsync',
};

/** SDK operations whose IAM action has another name. */
const IAM_ACTION: Record<string, string> = { 's3:ListObjectsV2': 's3:ListBucket', 's3:ListObjects': 's3:ListBucket' };

interface SmithyClient {
  config: { serviceId?: string };
}
interface SmithyCommand {
  input: Record<string, unknown>;
  clientCommand?: SmithyCommand;
}

let installed = false;

/**
 * Records every AWS SDK call made in this process while a function runs (see `runAs`): a wrapper around
 * the one `send` every SDK v3 client shares (@smithy/core's Client), so the handlers' own clients are
 * seen without changing them. DynamoDB document-client commands are recorded as the item operation
 * they send. It also compresses time: an SQS message a function delays (the status poller's and the
 * retry clock, up to 15 minutes) is recorded with its delay and sent with none, so a test never waits
 * on the wall clock for it.
 */
export function installAwsCallRecorder(): void {
  if (installed) return;
  installed = true;
  const require = createRequire(import.meta.url);
  const { Client } = require('@smithy/core/client') as {
    Client: { prototype: { send: (this: SmithyClient, command: SmithyCommand, ...rest: unknown[]) => unknown } };
  };
  const send = Client.prototype.send;
  Client.prototype.send = function (this: SmithyClient, command: SmithyCommand, ...rest: unknown[]) {
    const caller = invoking.getStore();
    if (caller) {
      const service = IAM_SERVICE[this.config.serviceId ?? ''] ?? String(this.config.serviceId).toLowerCase();
      const operation = (command.clientCommand ?? command).constructor.name.replace(/Command$/, '');
      const action = `${service}:${operation}`;
      calls.push({ function: caller, action: IAM_ACTION[action] ?? action, input: { ...command.input } });
      if (action === 'sqs:SendMessage' && Number(command.input.DelaySeconds ?? 0) > 0) {
        requestedDelays.push({
          function: caller,
          queueUrl: String(command.input.QueueUrl),
          delaySeconds: Number(command.input.DelaySeconds),
        });
        command.input.DelaySeconds = 0;
      }
    }
    return send.call(this, command, ...rest);
  };
}

/** Runs `work` as the named function: the AWS calls it makes are recorded under that name. */
export function runAs<T>(functionName: string, work: () => Promise<T>): Promise<T> {
  installAwsCallRecorder();
  return invoking.run(functionName, work);
}
