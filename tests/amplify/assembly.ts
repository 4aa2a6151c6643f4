import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { inject } from 'vitest';

export type CfnTemplate = {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; [key: string]: unknown }>;
  [key: string]: unknown;
};

export function cdkOut(): string {
  return inject('cdkOut');
}

export function templateFiles(): string[] {
  return readdirSync(cdkOut())
    .filter((name) => name.endsWith('.template.json'))
    .map((name) => join(cdkOut(), name));
}

/** Nested stacks by group: the file names end `<group><8 hex>.nested.template.json`. */
export const STACKS = {
  auth: /auth[0-9A-F]{8}\.nested\.template\.json$/,
  data: /data[0-9A-F]{8}\.nested\.template\.json$/,
  storage: /storage[0-9A-F]{8}\.nested\.template\.json$/,
  pipeline: /tiktokpipeline[0-9A-F]{8}\.nested\.template\.json$/,
};

/** The one template whose file name matches `part`. */
export function templateJson(part: RegExp): CfnTemplate {
  const matches = templateFiles().filter((file) => part.test(file));
  if (matches.length !== 1) throw new Error(`expected one template matching ${part}, found ${matches.length}`);
  return JSON.parse(readFileSync(matches[0] as string, 'utf8')) as CfnTemplate;
}

export function template(part: RegExp): Template {
  return Template.fromJSON(templateJson(part));
}

/** Resources of a type in a template, by logical id. */
export function resourcesOf(part: RegExp, type: string): Array<[string, Record<string, unknown>]> {
  return Object.entries(templateJson(part).Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id, resource]) => [id, resource.Properties ?? {}]);
}
