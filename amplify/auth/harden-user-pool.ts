import { Stack } from 'aws-cdk-lib';
import { CfnUserPoolUser, CfnUserPoolUserToGroupAttachment } from 'aws-cdk-lib/aws-cognito';
import type { AuthResources } from '@aws-amplify/plugin-types';
import { ADMINS } from './groups.ts';
import { PASSWORD_POLICY } from './password-policy.ts';

/** Settings defineAuth does not expose: invited users only, no guest identities, a strong password policy, the first admin. */
export function hardenUserPool(resources: AuthResources, options: { adminEmail?: string | undefined }): void {
  const userPool = resources.cfnResources.cfnUserPool;
  userPool.adminCreateUserConfig = { allowAdminCreateUserOnly: true };
  userPool.policies = { passwordPolicy: { ...PASSWORD_POLICY } };
  // Nothing is open to signed-out visitors: the identity pool hands credentials to members only.
  resources.cfnResources.cfnIdentityPool.allowUnauthenticatedIdentities = false;
  // Cognito's advanced security (compromised-credential checks) is a paid feature: left to the operator.
  if (options.adminEmail === undefined) return;
  const scope = Stack.of(userPool);
  const admin = new CfnUserPoolUser(scope, 'FirstAdmin', {
    userPoolId: userPool.ref,
    username: options.adminEmail,
    desiredDeliveryMediums: ['EMAIL'],
    userAttributes: [
      { name: 'email', value: options.adminEmail },
      { name: 'email_verified', value: 'true' },
    ],
  });
  const group = resources.groups[ADMINS]?.cfnUserGroup;
  // Refs (not names) so that CloudFormation creates the user and the group first.
  new CfnUserPoolUserToGroupAttachment(scope, 'FirstAdminInAdmins', {
    userPoolId: userPool.ref,
    groupName: group ? group.ref : ADMINS,
    username: admin.ref,
  });
}
