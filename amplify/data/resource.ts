import { a, defineData, type ClientSchema } from '@aws-amplify/backend';
import { ADMINS, UPLOADERS } from '../auth/resource.ts';
import { dataSource } from '../functions/data-source/resource.ts';
import { jobControl } from '../functions/job-control/resource.ts';
import { tiktokAccount } from '../functions/tiktok-account/resource.ts';
import { audienceUploader } from '../functions/audience-uploader/resource.ts';
import { audienceStatus } from '../functions/audience-status/resource.ts';
import { transformFailure } from '../functions/transform-failure/resource.ts';

const members = [ADMINS, UPLOADERS];

/**
 * Jobs and their events (src/core/jobs: the same lifecycle as local mode). Browsers only read them
 * (and subscribe to changes); every write goes through a function — the custom mutations below or
 * the pipeline's functions (`allow.resource`) — so each change reaches subscribed browsers.
 * Values are never stored here: the plan names columns and files, the counts are counts.
 */
const schema = a
  .schema({
    JobState: a.enum([
      'queued',
      'transforming',
      'uploading',
      'processing',
      'completed',
      'failed',
      'partially_failed',
      'cancelled',
    ]),
    Job: a
      .model({
        origin: a.string().required(),
        state: a.ref('JobState').required(),
        reason: a.string(),
        resolution: a.string(),
        /** The validated JobPlan (src/core/plan.ts): inputs, mapping, options, audience. */
        plan: a.json().required(),
        /** JobProgress: stage, counts, percent. */
        progress: a.json(),
        /** Transform counts per identifier type and the upload's audience results. */
        result: a.json(),
        /** { kind: 'tiktok', label } */
        destination: a.json().required(),
        cancelRequested: a.boolean().required(),
        /** Fencing: the generation of the run that holds the job (src/core/jobs/run-fence.ts). */
        runGeneration: a.integer().required(),
        /** Glue JobRunId of the transform. */
        transformRunId: a.string(),
        createdBy: a.string(),
        finishedAt: a.datetime(),
        outputExpiresAt: a.datetime(),
        outputDeletedAt: a.datetime(),
        events: a.hasMany('JobEvent', 'jobId'),
      })
      .secondaryIndexes((index) => [index('transformRunId').queryField('listJobsByTransformRun')])
      .authorization((allow) => [allow.groups(members).to(['read'])]),
    JobEvent: a
      .model({
        jobId: a.id().required(),
        job: a.belongsTo('Job', 'jobId'),
        /**
         * Milliseconds since the epoch × 1000 + a random suffix: orders a job's events. A Float (a double,
         * exact to 2^53): GraphQL's Int is 32-bit, and AppSync refuses a larger value as not an Int.
         */
        seq: a.float().required(),
        type: a.string().required(),
        data: a.json(),
      })
      .secondaryIndexes((index) => [index('jobId').sortKeys(['seq']).queryField('listJobEventsByJob')])
      .authorization((allow) => [allow.groups(members).to(['read'])]),

    SourceFile: a.customType({
      /** Key relative to the data prefix (what plans name in `inputs`). */
      path: a.string().required(),
      kind: a.string().required(),
      size: a.float(),
      lastModified: a.datetime(),
    }),
    SourceFileList: a.customType({
      prefix: a.string().required(),
      entries: a.ref('SourceFile').array().required(),
      nextToken: a.string(),
    }),
    CredentialsStatus: a.customType({
      configured: a.boolean().required(),
      source: a.string().required(),
      tokenLast4: a.string(),
      advertiserId: a.string(),
      destination: a.json().required(),
    }),
    DeletedJob: a.customType({ id: a.id().required(), deleted: a.boolean().required() }),

    listSourceFiles: a
      .query()
      .arguments({ prefix: a.string(), nextToken: a.string() })
      .returns(a.ref('SourceFileList'))
      .authorization((allow) => [allow.groups(members)])
      .handler(a.handler.function(dataSource)),
    /** DiscoveredSchema (src/core/schema/discover-schema.ts) plus `path`; examples masked. */
    discoverSchema: a
      .query()
      .arguments({ inputs: a.string().required().array().required(), sampleRows: a.integer() })
      .returns(a.json())
      .authorization((allow) => [allow.groups(members)])
      .handler(a.handler.function(dataSource)),
    /** MappingPreview (src/core/schema/preview-mapping.ts): per-column outcome counts and masked rows. */
    previewMapping: a
      .query()
      .arguments({
        inputs: a.string().required().array().required(),
        mapping: a.json().required(),
        options: a.json(),
        sampleRows: a.integer(),
      })
      .returns(a.json())
      .authorization((allow) => [allow.groups(members)])
      .handler(a.handler.function(dataSource)),
    startUpload: a
      .mutation()
      .arguments({ plan: a.json().required() })
      .returns(a.ref('Job'))
      .authorization((allow) => [allow.groups(members)])
      .handler(a.handler.function(jobControl)),
    cancelJob: a
      .mutation()
      .arguments({ id: a.id().required() })
      .returns(a.ref('Job'))
      .authorization((allow) => [allow.groups(members)])
      .handler(a.handler.function(jobControl)),
    retryJob: a
      .mutation()
      .arguments({ id: a.id().required() })
      .returns(a.ref('Job'))
      .authorization((allow) => [allow.groups(members)])
      .handler(a.handler.function(jobControl)),
    /** Named removeJob: the Job model's own `deleteJob` (functions only) takes the obvious name. */
    removeJob: a
      .mutation()
      .arguments({ id: a.id().required() })
      .returns(a.ref('DeletedJob'))
      .authorization((allow) => [allow.groups(members)])
      .handler(a.handler.function(jobControl)),
    /** { advertiserId, audiences: AudienceListItem[] } from TikTok. */
    listAudiences: a
      .query()
      .arguments({ advertiserId: a.string() })
      .returns(a.json())
      .authorization((allow) => [allow.groups(members)])
      .handler(a.handler.function(tiktokAccount)),
    credentialsStatus: a
      .query()
      .returns(a.ref('CredentialsStatus'))
      .authorization((allow) => [allow.groups(members)])
      .handler(a.handler.function(tiktokAccount)),
    setCredentials: a
      .mutation()
      .arguments({ accessToken: a.string(), advertiserId: a.string() })
      .returns(a.ref('CredentialsStatus'))
      .authorization((allow) => [allow.group(ADMINS)])
      .handler(a.handler.function(tiktokAccount)),
  })
  .authorization((allow) => [
    allow.resource(jobControl),
    allow.resource(audienceUploader),
    allow.resource(audienceStatus),
    allow.resource(transformFailure),
  ]);

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: { defaultAuthorizationMode: 'userPool' },
});
