import { defineAuth } from '@aws-amplify/backend';
import { ADMINS, GROUPS, UPLOADERS } from './groups.ts';

export { ADMINS, UPLOADERS };

/**
 * Cognito for invited users only: no self sign-up (set in harden-user-pool.ts, which also sets the
 * password policy), TOTP MFA available, email sign-in. Admins invite people from the Cognito console.
 */
export const auth = defineAuth({
  loginWith: { email: true },
  multifactor: { mode: 'OPTIONAL', totp: true },
  accountRecovery: 'EMAIL_ONLY',
  groups: GROUPS,
});
