import { z } from 'zod';
import { rules } from './rules.ts';

/** Per-job options that change how identifiers are normalized (normalization.md). */
export const normalizeOptionsSchema = z.object({
  phoneRegion: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'phoneRegion must be an ISO 3166 alpha-2 code such as US or GB')
    .transform((value) => value.toUpperCase())
    .default(rules.options.phoneRegion.default),
  phoneFormat: z.enum(['digits', 'e164']).default('digits'),
  emailDots: z.enum(['keep', 'strip-gmail', 'strip-all']).default('keep'),
  prehashed: z.enum(['accept', 'reject']).default('accept'),
});

export type NormalizeOptions = z.output<typeof normalizeOptionsSchema>;
export type NormalizeOptionsInput = z.input<typeof normalizeOptionsSchema>;

export const DEFAULT_NORMALIZE_OPTIONS: NormalizeOptions = normalizeOptionsSchema.parse({});
