import { readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ACTIVE_JOB_STATES,
  JOB_STATES,
  RETRYABLE_JOB_STATES,
  TERMINAL_JOB_STATES,
  canTransition,
  jobReasons,
  summarizeManifest,
  totalUnique,
} from '../../../../src/core/jobs/index.ts';
import type { Manifest } from '../../../../src/core/transform/manifest.ts';

const folder = fileURLToPath(new URL('../../../../src/core/jobs/', import.meta.url));

describe('the job lifecycle (src/core/jobs)', () => {
  it('is pure: no Node built-in, no package, no process or Buffer (the Lambdas and the browser share it)', () => {
    const builtins = new Set(builtinModules);
    for (const name of readdirSync(folder)) {
      const source = readFileSync(join(folder, name), 'utf8');
      for (const match of source.matchAll(/from\s+'([^']+)'/gu)) {
        const specifier = match[1] as string;
        expect(specifier.startsWith('.'), `${name} imports ${specifier}`).toBe(true);
        expect(builtins.has(specifier.replace(/^node:/u, '')), specifier).toBe(false);
      }
      expect(source, name).not.toMatch(/\bBuffer\.|\bprocess\./u);
    }
  });

  it('partitions the states into active and terminal, and allows only forward moves and retries', () => {
    expect([...ACTIVE_JOB_STATES, ...TERMINAL_JOB_STATES].sort()).toEqual([...JOB_STATES].sort());
    expect(canTransition('queued', 'transforming')).toBe(true);
    expect(canTransition('uploading', 'processing')).toBe(true);
    expect(canTransition('uploading', 'uploading')).toBe(true); // a new reason (retrying in …)
    expect(canTransition('processing', 'uploading')).toBe(false);
    expect(canTransition('completed', 'queued')).toBe(false); // a finished job is started anew
    expect(canTransition('completed', 'completed')).toBe(false);
    for (const state of RETRYABLE_JOB_STATES) expect(canTransition(state, 'queued')).toBe(true);
    for (const state of ACTIVE_JOB_STATES) {
      expect(canTransition(state, 'failed')).toBe(true);
      expect(canTransition(state, 'cancelled')).toBe(true);
    }
  });

  it('summarizes a manifest as counts only: no digests, file names or MD5s', () => {
    const manifest: Manifest = {
      manifestVersion: 1,
      rules: { profile: 'tiktok', version: 1 },
      inputs: [{ path: 'customers.csv', format: 'csv', compression: 'none', bytes: 99 }],
      options: { phoneRegion: 'US', phoneFormat: 'digits', emailDots: 'keep', prehashed: 'accept', maxFileBytes: 650 },
      mapping: [{ column: 'email', type: 'EMAIL' }],
      recordsRead: 12,
      malformedRecords: 1,
      types: {
        EMAIL: {
          calculateType: 'EMAIL_SHA256',
          columns: ['email'],
          valid: 9,
          prehashed: 1,
          empty: 0,
          rejected: { invalid_email: 1 },
          duplicates: 2,
          unique: 8,
          files: [
            { path: 'email_sha256/part-00000.csv', rows: 5, bytes: 325, md5: 'a'.repeat(32) },
            { path: 'email_sha256/part-00001.csv', rows: 3, bytes: 195, md5: 'b'.repeat(32) },
          ],
        },
      },
      rejects: { path: 'rejects.csv', rows: 2 },
    };
    const summary = summarizeManifest(manifest);
    expect(summary).toEqual({
      recordsRead: 12,
      malformedRecords: 1,
      rejects: 2,
      types: {
        EMAIL: {
          calculateType: 'EMAIL_SHA256',
          columns: ['email'],
          valid: 9,
          prehashed: 1,
          empty: 0,
          rejected: { invalid_email: 1 },
          duplicates: 2,
          unique: 8,
          files: 2,
        },
      },
    });
    expect(JSON.stringify(summary)).not.toMatch(/part-0|aaaa|customers/u);
    expect(totalUnique(manifest)).toBe(8);
  });

  it('says why and what next for each outcome', () => {
    expect(jobReasons.gaveUp(5, 'disk full')).toMatchObject({
      state: 'failed',
      reason: 'Gave up after 5 attempts: disk full',
    });
    expect(jobReasons.processing('TikTok').from).toEqual(['uploading']);
    const refused = jobReasons.refused({
      destinationLabel: 'TikTok',
      kind: 'permission',
      code: 40001,
      requestId: 'req-1',
      message: 'no permission',
      resolution: 'Check the token.',
      applied: ['EMAIL → 42'],
    });
    expect(refused.state).toBe('partially_failed');
    expect(refused.reason).toBe(
      'TikTok refused the upload (permission, code 40001, request_id req-1): no permission. Already done: EMAIL → 42.',
    );
    expect(refused.resolution).toBe('Check the token. Then retry the job: finished parts are not sent again.');
    const completed = jobReasons.completed({
      idsSent: 1200,
      destinationLabel: 'simulated TikTok',
      audiences: [{ audienceName: 'Spring · EMAIL', audienceId: '7' }],
      calculating: ['EMAIL'],
    });
    expect(completed.reason).toBe(
      'Sent 1200 unique hashed ids to 1 audience on simulated TikTok (Spring · EMAIL = 7). simulated TikTok is still calculating EMAIL; match counts can take 24–48 hours to settle.',
    );
  });
});
