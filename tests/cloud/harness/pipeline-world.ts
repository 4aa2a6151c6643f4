import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PurgeQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { AppSyncResolverEvent } from 'aws-lambda';
import { inject } from 'vitest';
import { CREATE_LOOKUP_WINDOW_ENV } from '../../../src/destinations/tiktok/upload-orchestrator.ts';
import {
  startTikTokEmulator,
  type EmulatorOptions,
  type RunningEmulator,
} from '../../../src/destinations/tiktok/emulator/tiktok-emulator.ts';
import { sqs } from './aws.ts';
import { runAs } from './aws-call-recorder.ts';
import { DataApiServer } from './data-api-server.ts';
import { deploy, type Deployment } from './deploy.ts';
import { FAKE_AWS } from './global-setup.ts';
import { GlueService } from './glue-service.ts';
import { LambdaService, type SqsHandler } from './lambda-service.ts';
import { REPO } from './python-service.ts';

export const TIKTOK_TOKEN = 'cloud-test-token-7f3a';
export const ADVERTISER = '7000000000000000001';
/** The functions the pipeline's queues feed (their SQS event sources are in the template). */
export const QUEUE_FUNCTIONS = ['audience-uploader', 'audience-status', 'transform-failure'] as const;
export const ACCESS_KEY_PREFIX = 'fn-';
const ADMIN = { username: 'admin@example.com', groups: ['Admins'] };

type ResolverHandler = (event: AppSyncResolverEvent<Record<string, unknown>>) => Promise<unknown>;

/**
 * One deployment of the synthesized backend on moto, with its runtime around it: the Data API
 * (test GraphQL server over the synthesized schema), the TikTok emulator, Lambda's SQS event sources
 * (LambdaService) and the Glue service (GlueService, the real main.py on the run's Spark session).
 * Each function runs with ITS OWN environment from the template (plus the local endpoints), swapped
 * in for its invocation: a function reading a setting it was not given fails here as in Lambda.
 */
export class PipelineWorld {
  readonly logLines: string[] = [];
  #restoreOutput?: () => void;
  readonly #baseEnv = { ...process.env };
  #active?: { fn: string; count: number };

  async #idle(): Promise<void> {
    while (this.#active && this.#active.count > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  private constructor(
    readonly deployment: Deployment,
    readonly dataApi: DataApiServer,
    readonly tiktok: RunningEmulator,
    readonly lambda: LambdaService,
    readonly glue: GlueService,
  ) {}

  static async start(
    name: string,
    options: {
      tiktok?: Partial<EmulatorOptions>;
      failRun?: (args: Record<string, string>) => string | undefined;
      reuseGlueOutputs?: boolean;
    } = {},
  ): Promise<PipelineWorld> {
    const cdkOut = inject('cdkOut');
    if (!cdkOut) throw new Error(`The backend did not synthesize:\n${inject('synthError')}`);
    const deployment = await deploy(cdkOut, name);
    const dataApi = new DataApiServer(readSchema(deployment));
    await dataApi.start();
    const tiktok = await startTikTokEmulator({
      tokens: [TIKTOK_TOKEN],
      advertisers: [ADVERTISER],
      qps: Number(deployment.environment('audience-uploader').AU_TIKTOK_QPS ?? 10),
      calculatingMs: 300,
      ...options.tiktok,
    });
    const world = new PipelineWorld(
      deployment,
      dataApi,
      tiktok,
      new LambdaService(deployment),
      new GlueService(deployment, options.failRun, options.reuseGlueOutputs),
    );
    await world.glue.ignoreExistingRuns();
    world.#captureOutput();
    for (const fn of QUEUE_FUNCTIONS) {
      const handler = await world.#import<SqsHandler>(fn);
      world.lambda.register(fn, (event, context) => world.asFunction(fn, () => handler(event, context)));
    }
    return world;
  }

  get dataBucket(): string {
    return this.env('job-control').AU_DATA_BUCKET!;
  }
  get dataPrefix(): string {
    return this.env('job-control').AU_DATA_PREFIX ?? '';
  }
  get artifactsBucket(): string {
    return this.env('job-control').AU_ARTIFACTS_BUCKET!;
  }

  /** A function's environment: the template's variables, with Amplify's runtime placeholders and TikTok's URL local. */
  env(fn: string): Record<string, string> {
    const variables = this.deployment.environment(fn);
    if ('AMPLIFY_DATA_GRAPHQL_ENDPOINT' in variables) variables.AMPLIFY_DATA_GRAPHQL_ENDPOINT = this.dataApi.url;
    if ('AU_TIKTOK_SECRET_ID' in variables) {
      variables.AU_TIKTOK_BASE_URL = this.tiktok.baseUrl;
      // A create whose connection dropped is looked up by name for 5 minutes of real time; the
      // emulator's search shows a create at once, so 2 s keeps the reconciliation and not the wait.
      variables[CREATE_LOOKUP_WINDOW_ENV] = '2000';
    }
    return {
      ...FAKE_AWS,
      // Its own access key: the Data API server tells the functions' requests apart by the signature.
      AWS_ACCESS_KEY_ID: `${ACCESS_KEY_PREFIX}${fn}`,
      AWS_ENDPOINT_URL: this.#baseEnv.AWS_ENDPOINT_URL!,
      AWS_LAMBDA_FUNCTION_NAME: fn,
      POWERTOOLS_SERVICE_NAME: fn,
      ...variables,
    };
  }

  /** Runs `work` as function `fn`: its environment in process.env, its AWS calls recorded under its name. */
  async asFunction<T>(fn: string, work: () => Promise<T>): Promise<T> {
    if (this.#active) {
      // Concurrent invocations of one function share its environment; two functions at once cannot.
      if (this.#active.fn !== fn)
        throw new Error(`${fn} invoked while ${this.#active.fn} runs: one function at a time`);
      this.#active.count += 1;
      try {
        return await runAs(fn, work);
      } finally {
        this.#active.count -= 1;
      }
    }
    this.#active = { fn, count: 1 };
    const saved = { ...process.env };
    for (const key of Object.keys(process.env)) if (/^(AU_|AMPLIFY_|POWERTOOLS_)/.test(key)) delete process.env[key];
    Object.assign(process.env, this.env(fn));
    try {
      return await runAs(fn, work);
    } finally {
      this.#active.count -= 1;
      if (this.#active.count > 0) await this.#idle();
      this.#active = undefined;
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  }

  /** Calls a custom operation's function the way AppSync does (Cognito identity of an Admin by default). */
  async resolve(fn: string, fieldName: string, args: Record<string, unknown>, caller = ADMIN): Promise<unknown> {
    const handler = await this.#import<ResolverHandler>(fn);
    const event = {
      arguments: args,
      identity: { username: caller.username, sub: caller.username, groups: caller.groups },
      info: { fieldName, parentTypeName: 'Mutation', variables: {}, selectionSetList: [], selectionSetGraphQL: '' },
      source: null,
      request: { headers: {}, domainName: null },
      prev: null,
      stash: {},
    } as unknown as AppSyncResolverEvent<Record<string, unknown>>;
    return this.asFunction(fn, () => handler(event));
  }

  /** Starts a job through job-control's startUpload (as an Admin); returns its id. */
  async startUpload(plan: object): Promise<string> {
    const started = (await this.resolve('job-control', 'startUpload', { plan: JSON.stringify(plan) })) as {
      id: string;
    };
    return started.id;
  }

  /** The Job as the Data API holds it (AWSJSON fields parsed). */
  job(id: string): {
    state: string;
    reason: string | null;
    resolution: string | null;
    result: Record<string, unknown> | null;
  } {
    const item = this.dataApi.table('Job').get(id);
    if (!item) throw new Error(`No Job ${id} in the Data API`);
    return {
      state: item.state as string,
      reason: (item.reason as string | null) ?? null,
      resolution: (item.resolution as string | null) ?? null,
      result: typeof item.result === 'string' ? (JSON.parse(item.result) as Record<string, unknown>) : null,
    };
  }

  /** Saves the TikTok credentials through the tiktok-account function (as an Admin on the Settings page). */
  async saveCredentials(): Promise<void> {
    await this.resolve('tiktok-account', 'setCredentials', { accessToken: TIKTOK_TOKEN, advertiserId: ADVERTISER });
  }

  /** Glue runs, then the queues, until nothing is left to do. */
  async settle(options: { concurrency?: number } = {}): Promise<void> {
    for (let round = 0; round < 20; round += 1) {
      const ran = await this.glue.runPending();
      await this.lambda.drain(options);
      if (ran === 0 && (await this.glue.runPending()) === 0) return;
    }
    throw new Error('The pipeline did not settle');
  }

  /** Every message in the deployment's dead-letter queues (received, then left to expire). */
  async deadLetters(): Promise<{ queue: string; body: string }[]> {
    const found: { queue: string; body: string }[] = [];
    for (const queue of this.deployment.assembly.resources('AWS::SQS::Queue')) {
      const name = this.deployment.assembly.physicalName(queue, 80);
      if (!/DeadLetters/.test(name)) continue;
      const url = this.deployment.assembly.physical(queue).ref;
      const { Messages } = await sqs().send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
      );
      for (const message of Messages ?? []) found.push({ queue: name, body: message.Body! });
    }
    return found;
  }

  async purgeQueues(): Promise<void> {
    for (const queue of this.deployment.assembly.resources('AWS::SQS::Queue')) {
      await sqs().send(new PurgeQueueCommand({ QueueUrl: this.deployment.assembly.physical(queue).ref }));
    }
  }

  async close(): Promise<void> {
    this.#restoreOutput?.();
    await this.tiktok.close();
    await this.dataApi.stop();
  }

  /** Imports a function's handler with its environment set (module-level setup reads it, as at a cold start). */
  async #import<T>(fn: string): Promise<T> {
    return this.asFunction(fn, async () => {
      const module = (await import(join(REPO, 'amplify', 'functions', fn, 'handler.ts'))) as { handler: T };
      return module.handler;
    });
  }

  /** The functions' log lines (Powertools writes JSON lines to stdout/stderr), kept for the privacy scan. */
  #captureOutput(): void {
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    const capture =
      (original: typeof out) =>
      (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
        const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        this.logLines.push(...text.split('\n').filter(Boolean));
        if (process.env.CLOUD_TEST_LOGS === '1') return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
        return true;
      };
    process.stdout.write = capture(out) as typeof process.stdout.write;
    process.stderr.write = capture(err) as typeof process.stderr.write;
    this.#restoreOutput = () => {
      process.stdout.write = out;
      process.stderr.write = err;
    };
  }
}

/** The AppSync schema Amplify synthesized (the GraphQLSchema resource's definition asset). */
function readSchema(deployment: Deployment): string {
  const schema = deployment.assembly.one('AWS::AppSync::GraphQLSchema');
  const location = JSON.stringify(schema.properties.DefinitionS3Location ?? '');
  const hash = /([0-9a-f]{64})\.graphql/.exec(location)?.[1];
  if (typeof schema.properties.Definition === 'string') return schema.properties.Definition;
  const file = readdirSync(deployment.assembly.cdkOut).find((f) => hash && f === `asset.${hash}.graphql`);
  if (!file) throw new Error('The synthesized AppSync schema was not found in cdk.out');
  return readFileSync(join(deployment.assembly.cdkOut, file), 'utf8');
}
