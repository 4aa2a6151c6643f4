/**
 * The user pool's password policy: harden-user-pool.ts sets it on the pool, and the placeholder and
 * test outputs (scripts/amplify-outputs.ts) publish it, as a deployment's amplify_outputs.json does.
 * A module without Amplify or CDK imports, so the web app's tests can read it.
 */
export const PASSWORD_POLICY = {
  minimumLength: 14,
  requireLowercase: true,
  requireUppercase: true,
  requireNumbers: true,
  requireSymbols: true,
  temporaryPasswordValidityDays: 3,
} as const;
