// Types of scripts/cli-bundle.mjs (plain JavaScript so the launcher can load it without tsx).
export interface CliBundleOptions {
  /** The repository whose src/ is bundled (default: the one holding this script). */
  root?: string;
  /** Where builds go (default: node_modules/.cache/audience-uploader/cli, or $AUDIENCE_UPLOADER_CACHE_DIR). */
  cacheDir?: string;
}
export function defaultCacheDir(root?: string, env?: NodeJS.ProcessEnv): string;
/** The bundled CLI entry if it matches every file it was built from, else null (stats only, no build). */
export function freshCliBundle(options?: CliBundleOptions): string | null;
/** Bundles the CLI and its transform worker into the cache folder; resolves with the bundled entry. */
export function buildCliBundle(options?: CliBundleOptions): Promise<string>;
/** The fresh bundle, rebuilt first when stale; null when it cannot be built (onBuildError says why, unless esbuild is absent). */
export function cliBundle(
  options?: CliBundleOptions & { onBuildError?: (error: unknown) => void },
): Promise<string | null>;
