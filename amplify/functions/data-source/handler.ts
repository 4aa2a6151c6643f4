import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { isUserError, UserError } from '../../../src/core/errors.ts';
import { discoverSchema } from '../../../src/core/schema/discover-schema.ts';
import { previewMapping } from '../../../src/core/schema/preview-mapping.ts';
import { appSyncHandler, parseArguments } from '../../../src/adapters/aws/appsync-resolver.ts';
import { CloudContext } from '../../../src/adapters/aws/pipeline/cloud-context.ts';
import { listSourceFiles, openS3Inputs, resolveS3Inputs } from '../../../src/adapters/aws/s3-data-inputs.ts';

const logger = new Logger({ serviceName: 'data-source' });
const context = new CloudContext();

/** Sampling reads the first files of a folder only (bounded reads, never whole exports). */
const MAX_SAMPLED_FILES = 5;
const json = z.preprocess((value) => (typeof value === 'string' ? JSON.parse(value) : value), z.unknown());
const sampleSchema = z.object({
  inputs: z.array(z.string().min(1)).min(1).max(20),
  sampleRows: z.number().int().min(1).max(10_000).nullish(),
});

async function sources(inputs: string[]) {
  const resolved = await resolveS3Inputs(context.s3, context.data, inputs);
  return openS3Inputs(context.s3, context.data.bucket, resolved.slice(0, MAX_SAMPLED_FILES));
}

/** A parser's own message may quote file content: say what failed, not what it read. */
function unreadable(error: unknown): never {
  if (isUserError(error)) throw error;
  throw new UserError({
    code: 'unreadable_input',
    title: 'File could not be read',
    detail: 'The input could not be read as JSON Lines, a JSON array, CSV/TSV or Parquet (optionally gzip-compressed).',
    resolution: 'Check that the file is complete and in one of these formats.',
    field: 'inputs',
    cause: error,
  });
}

/** listSourceFiles, discoverSchema, previewMapping: bounded, ranged reads of the data bucket. */
export const handler = appSyncHandler(logger, {
  listSourceFiles: async (args) =>
    listSourceFiles(
      context.s3,
      context.data,
      typeof args.prefix === 'string' ? args.prefix : '',
      args.nextToken as string | null,
    ),
  discoverSchema: async (args) => {
    const { inputs, sampleRows } = parseArguments(sampleSchema, args);
    const discovered = await discoverSchema(await sources(inputs), sampleRows ? { sampleRows } : {}).catch(unreadable);
    return { path: inputs[0], ...discovered };
  },
  previewMapping: async (args) => {
    const { inputs, sampleRows } = parseArguments(sampleSchema, args);
    const { mapping, options } = parseArguments(z.object({ mapping: json, options: json.optional() }), args);
    return previewMapping(await sources(inputs), {
      mapping: mapping as never,
      ...(options ? { options: options as never } : {}),
      ...(sampleRows ? { sampleRows } : {}),
    }).catch(unreadable);
  },
});
