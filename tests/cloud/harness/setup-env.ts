import { inject } from 'vitest';
import { FAKE_AWS } from './global-setup.ts';

// Every AWS SDK client in the test process (handlers and adapters included) talks to moto.
Object.assign(process.env, FAKE_AWS, { AWS_ENDPOINT_URL: inject('awsEndpoint') });
