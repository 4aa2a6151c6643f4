import { z } from 'zod';
import { IDENTIFIER_TYPES } from './identifiers/rules.ts';
import { normalizeOptionsSchema } from './identifiers/normalize-options.ts';
import { DEFAULT_MAX_FILE_BYTES } from './transform/manifest.ts';
import { HEADER_MODES } from './readers/detect-header.ts';

/** The audience a job uploads to. One audience per identifier type: `<name> · EMAIL`, … */
export const audiencePlanSchema = z
  .object({
    /** Base name; each type's audience is named `<name> · <TYPE>` (TikTok allows 128 characters). */
    name: z.string().trim().min(1).max(120).optional(),
    /** An existing audience (only for a job with one identifier type). */
    audienceId: z.string().regex(/^\d+$/, 'audienceId is the digits of a TikTok custom_audience_id').optional(),
    action: z.enum(['create', 'append', 'remove', 'replace']),
    advertiserId: z.string().regex(/^\d+$/, 'advertiserId is the digits of a TikTok advertiser id').optional(),
    retentionInDays: z.number().int().min(1).max(365).optional(),
  })
  .refine((audience) => audience.name !== undefined || audience.audienceId !== undefined, {
    message: 'Give the audience a name (or an existing audienceId)',
    path: ['name'],
  })
  .refine((audience) => audience.action !== 'create' || audience.name !== undefined, {
    message: 'Creating an audience needs a name',
    path: ['name'],
  });

export const columnMappingSchema = z.object({
  column: z.string().min(1),
  type: z.enum(IDENTIFIER_TYPES),
});

/** A whole job, validated before anything runs; shared by the UI, API, CLI and Lambdas. */
export const jobPlanSchema = z.object({
  /** Files or folders (prefixes) that together form one input. */
  inputs: z.array(z.string().min(1)).min(1),
  mapping: z.array(columnMappingSchema).min(1, 'Map at least one column to an identifier type'),
  options: normalizeOptionsSchema.default(normalizeOptionsSchema.parse({})),
  maxFileBytes: z.number().int().min(1024).max(DEFAULT_MAX_FILE_BYTES).default(DEFAULT_MAX_FILE_BYTES),
  /** CSV/TSV: whether the first row is a header; `auto` decides per file (docs/normalization.md, headerless files). */
  header: z.enum(HEADER_MODES).default('auto'),
  audience: audiencePlanSchema,
});

export type AudiencePlan = z.output<typeof audiencePlanSchema>;
export type ColumnMapping = z.output<typeof columnMappingSchema>;
export type JobPlan = z.output<typeof jobPlanSchema>;
export type JobPlanInput = z.input<typeof jobPlanSchema>;
