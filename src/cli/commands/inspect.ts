import { UserError } from '../../core/errors.ts';

/** Placeholder until the `inspect` command lands. */
export async function run(_args: string[]): Promise<number> {
  throw new UserError({ code: 'not_implemented', title: 'Not available yet', detail: 'The "inspect" command is not implemented in this build.', resolution: 'Update to a newer version.', kind: 'failure' });
}
