import { join } from 'node:path';
import { openLocalInputs } from '../adapters/node/local-inputs.ts';
import { isUserError, UserError } from '../core/errors.ts';
import { discoverSchema } from '../core/schema/discover-schema.ts';
import type { LocalApp } from '../local/local-app.ts';
import type { TikTokDestination } from '../local/tiktok-destination.ts';
import { readSample } from '../core/schema/read-sample.ts';
import { previewSample } from './preview.ts';
import type { ServerContext } from './server-context.ts';
import { SettingsStore } from './settings-store.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The HTTP API's view of the local composition. `tiktok` (local mode's real destination) lets the
 * audience list name another advertiser; `env` is what local mode reads its TikTok settings from:
 * saved settings are written into it so that new TikTok clients pick the new rate up.
 */
export function localServerContext(
  app: LocalApp & { tiktok?: TikTokDestination },
  options: { env?: NodeJS.ProcessEnv } = {},
): ServerContext {
  const env = options.env ?? {};
  const applySettings = (settings: { tiktokQps: number; outputRetentionDays: number }) => {
    if (options.env) env.TIKTOK_QPS = String(settings.tiktokQps);
    // The runner reads its retention when a job ends: jobs finishing from now on keep output this long.
    (app.runner as { outputTtlMs: number }).outputTtlMs = settings.outputRetentionDays * DAY_MS;
  };
  const settings = new SettingsStore({
    configDir: join(app.dataDir, '.config'),
    env: { ...env },
    onChange: applySettings,
  });
  if (settings.get().sources.outputRetentionDays === 'file' || settings.get().sources.tiktokQps === 'file')
    applySettings(settings.get());
  return {
    dataDir: app.dataDir,
    jobsDir: app.jobsDir,
    jobs: app.jobs,
    jobStore: app.jobStore,
    destination: () => app.destination.current(),
    async discoverSchema(absolutePaths, schemaOptions) {
      const sources = await openLocalInputs(absolutePaths);
      const schema = await discoverSchema(sources, schemaOptions);
      return { ...schema, files: sources.length };
    },
    async previewMapping(absolutePaths, request) {
      const sources = await openLocalInputs(absolutePaths);
      return previewSample(
        await readSample(sources, request.header === undefined ? {} : { header: request.header }),
        request.mapping,
        request.options,
      );
    },
    async listAudiences(advertiserId) {
      if (app.tiktok && advertiserId !== undefined) {
        let connection;
        try {
          connection = await app.tiktok.connect(app.destination.current().kind, advertiserId);
        } catch (error) {
          // The simulated TikTok has one advertiser: another id is a wrong query, not a failed job.
          if (isUserError(error) && error.code === 'unknown_emulator_advertiser')
            throw new UserError({
              code: error.code,
              title: error.title,
              detail: error.detail,
              resolution: 'Leave advertiserId out: the simulated TikTok has one advertiser.',
              field: 'advertiserId',
            });
          throw error;
        }
        const { client, advertiserId: used } = connection;
        return { advertiserId: used, audiences: await client.listAudiences({ advertiserId: used }) };
      }
      const listed = await app.destination.listAudiences();
      if (advertiserId !== undefined && advertiserId !== listed.advertiserId)
        throw new UserError({
          code: 'unknown_advertiser',
          title: 'Unknown advertiser',
          detail: `Only advertiser ${listed.advertiserId} is configured.`,
          resolution: 'Leave advertiserId out, or configure that advertiser in Settings.',
          field: 'advertiserId',
        });
      return listed;
    },
    credentialsStatus: () => app.destination.credentialsStatus(),
    saveCredentials: (update) => app.destination.saveCredentials(update),
    uploadLedger: (jobId) => app.ledger.load(jobId),
    settings: () => settings.get(),
    saveSettings: (update) => settings.save(update),
  };
}
