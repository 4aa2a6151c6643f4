import { defineStorage } from '@aws-amplify/backend';
import { ADMINS, UPLOADERS } from '../auth/resource.ts';

/** Where people put input files when no existing data bucket is named at deploy time. */
export const UPLOADS_PREFIX = 'uploads/';

/**
 * The data bucket made by Amplify: Uploaders and Admins may put files under `uploads/` and read them
 * back; the functions read it (granted in backend.ts through the pipeline construct).
 */
export const storage = defineStorage({
  name: 'audienceData',
  isDefault: true,
  access: (allow) => ({
    [`${UPLOADS_PREFIX}*`]: [allow.groups([ADMINS, UPLOADERS]).to(['read', 'write', 'delete'])],
  }),
});
