import { isUserError } from '../../core/errors.ts';
import { resolveDataPath } from '../../local/data-folder.ts';
import { problem } from '../problem.ts';

/**
 * Data-folder paths of a request, resolved inside the data folder. A path outside it, or missing,
 * is a 422 naming the field (`inputs[0]`, `path`): the request is invalid, the endpoint exists.
 */
export async function resolveInputs(
  dataDir: string,
  inputs: string[],
  fieldOf: (index: number) => string,
): Promise<string[]> {
  const paths: string[] = [];
  for (const [index, input] of inputs.entries()) {
    try {
      paths.push(await resolveDataPath(dataDir, input, fieldOf(index)));
    } catch (error) {
      if (isUserError(error))
        throw problem(422, {
          code: error.code,
          title: error.title,
          detail: error.detail,
          resolution: error.resolution,
          field: error.field ?? fieldOf(index),
        });
      throw error;
    }
  }
  return paths;
}
