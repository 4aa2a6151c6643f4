/** One GraphQL request to the Data API (AppSync); resolves with `data`, rejects with GraphqlRequestError. */
export type GraphqlTransport = (query: string, variables: Record<string, unknown>) => Promise<Record<string, unknown>>;

export interface GraphqlErrorEntry {
  message: string;
  errorType?: string | null;
}

export class GraphqlRequestError extends Error {
  constructor(
    readonly operation: string,
    readonly errors: GraphqlErrorEntry[],
  ) {
    super(`${operation}: ${errors.map((e) => `${e.errorType ?? 'Error'}: ${e.message}`).join('; ')}`.slice(0, 2000));
    this.name = 'GraphqlRequestError';
  }

  /** A model mutation's `condition` did not hold (AppSync reports DynamoDB's error type). */
  get conditionFailed(): boolean {
    return this.errors.some((e) => /ConditionalCheckFailed/.test(`${e.errorType ?? ''} ${e.message}`));
  }
}

/**
 * The Data API through Amplify's own client, signed with the function's IAM role (the schema grants
 * it `allow.resource`), so every change reaches subscribed browsers. Configured from the variables
 * Amplify sets on the function (AMPLIFY_DATA_GRAPHQL_ENDPOINT, AWS_REGION and the role's credentials).
 */
export async function amplifyDataTransport(env: NodeJS.ProcessEnv = process.env): Promise<GraphqlTransport> {
  const endpoint = env.AMPLIFY_DATA_GRAPHQL_ENDPOINT;
  const region = env.AWS_REGION;
  if (!endpoint || !region)
    throw new Error('AMPLIFY_DATA_GRAPHQL_ENDPOINT and AWS_REGION must be set (the function needs allow.resource).');
  const [{ Amplify }, { generateClient }] = await Promise.all([import('aws-amplify'), import('aws-amplify/api')]);
  Amplify.configure(
    { API: { GraphQL: { endpoint, region, defaultAuthMode: 'iam' } } },
    {
      Auth: {
        credentialsProvider: {
          getCredentialsAndIdentityId: async () => ({
            credentials: {
              accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
              secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
              ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
            },
          }),
          clearCredentialsAndIdentityId: () => undefined,
        },
      },
    },
  );
  const client = generateClient();
  return async (query, variables) => {
    const operation = /(?:query|mutation)\s+(\w+)/.exec(query)?.[1] ?? 'graphql';
    try {
      const result = (await client.graphql({ query, variables })) as { data?: Record<string, unknown> };
      return result.data ?? {};
    } catch (error) {
      // Amplify rejects with the whole response when it has errors.
      const errors = (error as { errors?: GraphqlErrorEntry[] }).errors;
      if (Array.isArray(errors) && errors.length > 0) throw new GraphqlRequestError(operation, errors);
      throw error;
    }
  };
}

/**
 * A plain-fetch transport (no signing) for a local stand-in of the Data API; `headers` may carry a
 * test's authorization. Same error semantics as the Amplify transport.
 */
export function fetchGraphqlTransport(url: string, headers: Record<string, string> = {}): GraphqlTransport {
  return async (query, variables) => {
    const operation = /(?:query|mutation)\s+(\w+)/.exec(query)?.[1] ?? 'graphql';
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: Record<string, unknown>; errors?: GraphqlErrorEntry[] };
    if (body.errors && body.errors.length > 0) throw new GraphqlRequestError(operation, body.errors);
    if (!response.ok) throw new GraphqlRequestError(operation, [{ message: `HTTP ${response.status}` }]);
    return body.data ?? {};
  };
}
