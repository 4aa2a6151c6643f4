import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';

/** One AWS API call a function made: IAM action (`s3:GetObject`) and the request's input. */
export interface AwsCall {
  function: string;
  action: string;
  input: Record<string, unknown>;
}

const invoking = new AsyncLocalStorage<string>();
const invocation = new AsyncLocalStorage<string>();
/** HTTP requests made with fetch inside an invocation (TikTok, the Data API): which invocation, which URL. */
export const httpCalls: { function: string; invocation?: string; url: string }[] = [];
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

/**
 * A crash injected at an AWS call of a function: `once` the call has completed (its effect is real),
 * the invocation dies with `error` — what a Lambda timeout looks like from the work already done.
 */
export interface InjectedCrash {
  function: string;
  action: string;
  /** Crash at the n-th matching call (1-based), or at every one from the n-th on (`every`). */
  nth: number;
  every?: boolean;
  /** Only calls whose input matches. */
  when?: (input: Record<string, unknown>) => boolean;
  error: () => Error;
  seen?: number;
  fired?: boolean;
}
export const crashes: InjectedCrash[] = [];

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
  const fetch = globalThis.fetch;
  globalThis.fetch = (input: string | URL | Request, init?: RequestInit) => {
    const caller = invoking.getStore();
    if (caller) {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      httpCalls.push({ function: caller, invocation: invocation.getStore(), url });
    }
    return fetch(input, init);
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
    const crash = caller
      ? crashes.find(
          (c) =>
            (c.every || !c.fired) &&
            c.function === caller &&
            calls.at(-1)?.action === c.action &&
            (!c.when || c.when(command.input)),
        )
      : undefined;
    if (crash && ((crash.seen = (crash.seen ?? 0) + 1) === crash.nth || (crash.every && crash.seen >= crash.nth))) {
      crash.fired = true;
      return (send.call(this, command, ...rest) as Promise<unknown>).then(() => {
        throw crash.error();
      });
    }
    return send.call(this, command, ...rest);
  };
}

/** Runs `work` as the named function: the AWS calls it makes are recorded under that name. */
export function runAs<T>(functionName: string, work: () => Promise<T>, invocationId?: string): Promise<T> {
  installAwsCallRecorder();
  return invoking.run(functionName, () => (invocationId ? invocation.run(invocationId, work) : work()));
}
