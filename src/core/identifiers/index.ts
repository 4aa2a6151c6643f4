export * from './rules.ts';
export * from './normalize-options.ts';
export * from './normalize-identifier.ts';
export * from './mask-identifier.ts';
