// Which back end the web app talks to, decided once at start-up from the amplify_outputs.json the
// build was given (scripts/vite-amplify-outputs.ts). The rule, in one place:
//   cloud  ⇔ the file has an `auth` section with a user pool and an app client, a `data` section with
//            a GraphQL url, Cognito user pools as the default authorization and the model
//            introspection, and it is not the placeholder scripts/synth-outputs.ts writes for
//            offline builds (`custom.placeholder: true`; `custom.audienceUploader.placeholder` too);
//   local  ⇔ anything else: no file, AMPLIFY_OUTPUTS=none (what `npm start`'s build uses), the
//            placeholder, or a file without those sections.

/** The parts of amplify_outputs.json (version 1.x) the cloud service reads. */
export interface CloudOutputs {
  version: string;
  auth: { aws_region: string; user_pool_id: string; user_pool_client_id: string; identity_pool_id?: string };
  data: {
    url: string;
    aws_region: string;
    default_authorization_type: 'AMAZON_COGNITO_USER_POOLS';
    model_introspection: Record<string, unknown>;
  };
  storage?: { aws_region: string; bucket_name: string };
  custom?: Record<string, unknown>;
}

export type ServiceMode = { mode: 'local'; why: string } | { mode: 'cloud'; outputs: CloudOutputs };

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
const text = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

/** The placeholder's mark; scripts/synth-outputs.ts also uses it to tell its own file from a deployment's. */
export function isPlaceholder(outputs: unknown): boolean {
  const custom = record(record(outputs)?.custom);
  return custom?.placeholder === true || record(custom?.audienceUploader)?.placeholder === true;
}

export function serviceModeOf(outputs: unknown): ServiceMode {
  const file = record(outputs);
  if (!file) return { mode: 'local', why: 'no amplify_outputs.json in this build' };
  if (isPlaceholder(file)) return { mode: 'local', why: 'amplify_outputs.json is the placeholder' };
  const auth = record(file.auth);
  const data = record(file.data);
  if (!auth || !text(auth.user_pool_id) || !text(auth.user_pool_client_id))
    return { mode: 'local', why: 'amplify_outputs.json has no Cognito user pool' };
  if (!data || !text(data.url) || !record(data.model_introspection))
    return { mode: 'local', why: 'amplify_outputs.json has no Data API' };
  if (data.default_authorization_type !== 'AMAZON_COGNITO_USER_POOLS')
    return { mode: 'local', why: 'the Data API does not default to Cognito user pools' };
  return { mode: 'cloud', outputs: file as unknown as CloudOutputs };
}

/** Where uploads go in the data bucket made by Amplify storage (amplify/storage/resource.ts). */
export const UPLOADS_PREFIX = 'uploads/';
