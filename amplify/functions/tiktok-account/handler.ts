import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { appSyncHandler, parseArguments } from '../../../src/adapters/aws/appsync-resolver.ts';
import { CloudContext } from '../../../src/adapters/aws/pipeline/cloud-context.ts';
import { connectTikTok } from '../../../src/adapters/aws/pipeline/tiktok-connection.ts';
import { credentialsUpdateSchema } from '../../../src/adapters/aws/secrets-manager-credentials.ts';
import { ADMINS } from '../../auth/groups.ts';
import { UserError } from '../../../src/core/errors.ts';

const logger = new Logger({ serviceName: 'tiktok-account' });
const context = new CloudContext();

/** listAudiences, credentialsStatus, setCredentials (Admins; the schema also allows only them). */
export const handler = appSyncHandler(logger, {
  listAudiences: async (args) => {
    const { advertiserId } = parseArguments(z.object({ advertiserId: z.string().regex(/^\d+$/).nullish() }), args);
    const connection = await connectTikTok(context, { advertiserId: advertiserId ?? undefined });
    return {
      advertiserId: connection.advertiserId,
      audiences: await connection.client.listAudiences({ advertiserId: connection.advertiserId }),
    };
  },
  credentialsStatus: async () => context.credentials().status(),
  setCredentials: async (args, caller) => {
    if (!caller.groups.includes(ADMINS))
      throw new UserError({
        code: 'admins_only',
        title: 'Admins only',
        detail: 'Only members of the Admins group may change the TikTok credentials.',
        resolution: 'Ask an Admin to save them.',
      });
    const status = await context.credentials().save(parseArguments(credentialsUpdateSchema, args));
    logger.info('credentials saved', { by: caller.username, tokenLast4: status.tokenLast4 });
    return status;
  },
});
