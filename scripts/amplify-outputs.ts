// The one builder of an amplify_outputs.json (version 1.4) as a deployment of amplify/backend.ts would
// have it, from the deployment's ids and endpoints: the placeholder (scripts/synth-outputs.ts) and the
// web app's tests (tests/e2e-cloud/fixtures.ts) both use it. What the backend defines (password policy,
// groups, published settings) is read from its definition; the rest is checked against a synth of
// the backend in tests/amplify/hosting.test.ts.
import { GROUPS } from '../amplify/auth/groups.ts';
import { PASSWORD_POLICY } from '../amplify/auth/password-policy.ts';
import { publishedSettings, readDeploySettings, type DeploySettings } from '../amplify/settings.ts';

export interface OutputsInputs {
  region: string;
  userPoolId: string;
  userPoolClientId: string;
  identityPoolId: string;
  /** The Data API's GraphQL endpoint. */
  dataUrl: string;
  /** The synthesized modelIntrospectionSchema.json. */
  modelIntrospection: unknown;
  /** Amplify storage's bucket; none when the deployment names an existing data bucket. */
  bucketName?: string;
  /** Deploy-time settings; default: a deploy with none set. */
  settings?: DeploySettings;
  /** More of `custom`, e.g. the placeholder's mark. */
  custom?: Record<string, unknown>;
}

export function amplifyOutputs(inputs: OutputsInputs) {
  const { region, bucketName } = inputs;
  const settings = inputs.settings ?? readDeploySettings({});
  return {
    $schema:
      'https://raw.githubusercontent.com/aws-amplify/amplify-backend/main/packages/client-config/src/client-config-schema/schema_v1.4.json',
    version: '1.4',
    auth: {
      aws_region: region,
      user_pool_id: inputs.userPoolId,
      user_pool_client_id: inputs.userPoolClientId,
      identity_pool_id: inputs.identityPoolId,
      // amplify/auth/resource.ts: email sign-in, TOTP MFA optional.
      mfa_methods: ['TOTP'],
      mfa_configuration: 'OPTIONAL',
      standard_required_attributes: ['email'],
      username_attributes: ['email'],
      user_verification_types: ['email'],
      groups: GROUPS.map((name, precedence) => ({ [name]: { precedence } })),
      password_policy: {
        min_length: PASSWORD_POLICY.minimumLength,
        require_lowercase: PASSWORD_POLICY.requireLowercase,
        require_numbers: PASSWORD_POLICY.requireNumbers,
        require_symbols: PASSWORD_POLICY.requireSymbols,
        require_uppercase: PASSWORD_POLICY.requireUppercase,
      },
      unauthenticated_identities_enabled: false,
    },
    data: {
      url: inputs.dataUrl,
      aws_region: region,
      default_authorization_type: 'AMAZON_COGNITO_USER_POOLS',
      authorization_types: ['AWS_IAM'],
      model_introspection: inputs.modelIntrospection,
    },
    ...(bucketName === undefined
      ? {}
      : {
          // amplify/storage/resource.ts: members may read, write and delete under uploads/.
          storage: {
            aws_region: region,
            bucket_name: bucketName,
            buckets: [
              {
                name: 'audienceData',
                bucket_name: bucketName,
                aws_region: region,
                paths: {
                  'uploads/*': Object.fromEntries(
                    GROUPS.map((name) => [`groups${name}`, ['get', 'list', 'write', 'delete']]),
                  ),
                },
              },
            ],
          },
        }),
    custom: { ...inputs.custom, settings: publishedSettings(settings) },
  };
}
