import { UserError } from '../../core/errors.ts';

/** Placeholder until the `upload` command lands. */
export async function run(_args: string[]): Promise<number> {
  throw new UserError({ code: 'not_implemented', title: 'Not available yet', detail: 'The "upload" command is not implemented in this build.', resolution: 'Update to a newer version.', kind: 'failure' });
}
