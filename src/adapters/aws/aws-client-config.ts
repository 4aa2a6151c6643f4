import { RUNTIME_ENV } from './runtime-env.ts';

/**
 * Options every SDK client of ours is built with. In Lambda nothing is set (the SDK finds the region
 * and credentials itself); against an emulation (moto on 127.0.0.1) AWS_ENDPOINT_URL points every
 * client at it, and S3 uses path-style addressing (no bucket subdomains on 127.0.0.1).
 */
export function awsClientConfig(
  service: 's3' | 'other' = 'other',
  env: NodeJS.ProcessEnv = process.env,
): { endpoint?: string; forcePathStyle?: boolean } {
  const endpoint = env[RUNTIME_ENV.endpointUrl];
  if (!endpoint) return {};
  return service === 's3' ? { endpoint, forcePathStyle: true } : { endpoint };
}
