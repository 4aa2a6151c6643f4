import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';

/** Clients for the test's own setup and checks, on moto (AWS_ENDPOINT_URL, set by setup-env.ts). */
export function endpoint(): string {
  const url = process.env.AWS_ENDPOINT_URL;
  if (!url?.startsWith('http://127.0.0.1:')) throw new Error('AWS_ENDPOINT_URL must point at moto on 127.0.0.1');
  return url;
}

export const s3 = (): S3Client => new S3Client({ endpoint: endpoint(), forcePathStyle: true });
export const sqs = (): SQSClient => new SQSClient({ endpoint: endpoint() });

/**
 * EventBridge on moto through its JSON protocol (the project has no EventBridge SDK client: only the tests
 * call it, to install the synthesized rules and put the events S3 and Glue would emit). moto routes by
 * the credential scope and does not check the signature.
 */
export async function eventBridge<T = Record<string, unknown>>(action: string, body: object): Promise<T> {
  const response = await fetch(endpoint(), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSEvents.${action}`,
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${process.env.AWS_REGION}/events/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`EventBridge ${action} failed (${response.status}): ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}
