export * from './job-lifecycle.ts';
export * from './job-reasons.ts';
export * from './job-store.ts';
export * from './manifest-summary.ts';
export * from './run-fence.ts';
