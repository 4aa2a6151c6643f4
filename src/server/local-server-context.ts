import { openLocalInputs } from '../adapters/node/local-inputs.ts';
import { discoverSchema } from '../core/schema/discover-schema.ts';
import type { LocalApp } from '../local/local-app.ts';
import type { ServerContext } from './server-context.ts';

/** The HTTP API's view of the local composition. */
export function localServerContext(app: LocalApp): ServerContext {
  return {
    dataDir: app.dataDir,
    jobs: app.jobs,
    jobStore: app.jobStore,
    destination: () => app.destination.current(),
    async discoverSchema(absolutePaths, options) {
      const sources = await openLocalInputs(absolutePaths);
      const schema = await discoverSchema(sources, options);
      return { ...schema, files: sources.length };
    },
    listAudiences: () => app.destination.listAudiences(),
    credentialsStatus: () => app.destination.credentialsStatus(),
    saveCredentials: (update) => app.destination.saveCredentials(update),
  };
}
