// The CLI as bundled JavaScript (esbuild), so a run skips tsx's loader (~0.3 s of every start-up).
// Plain JavaScript: the launcher (bin/audience-uploader.js) loads it before anything can run TypeScript.
//
// Never stale: current.json names the build and the size and mtime of every file it was built from
// (esbuild's metafile inputs, plus the files that change how it builds); a run whose files all still
// match uses it, any difference rebuilds first. A build is written under a temporary name and renamed
// into place, and current.json likewise, so concurrent runs never read a half-written bundle.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Bump when the layout of current.json changes. */
const FORMAT = 1;
const ENTRIES = { main: 'src/cli/main.ts', 'transform-worker': 'src/adapters/node/transform/transform-worker.ts' };
/** Files outside the bundle's inputs that change its output: compiler settings, pinned esbuild, this builder. */
const BUILD_FILES = ['tsconfig.json', 'package.json', 'scripts/cli-bundle.mjs'];
/** Builds other than the current one are deleted once this old (a run still using one has long started its workers). */
const OLD_BUILD_MS = 24 * 60 * 60 * 1000;

/** The cache folder (git-ignored: inside node_modules); AUDIENCE_UPLOADER_CACHE_DIR overrides it. */
export function defaultCacheDir(root = ROOT, env = process.env) {
  return env.AUDIENCE_UPLOADER_CACHE_DIR || join(root, 'node_modules', '.cache', 'audience-uploader', 'cli');
}

/** The bundled CLI entry if the current build matches every file it was built from, else null. Cheap: stats only. */
export function freshCliBundle({ root = ROOT, cacheDir = defaultCacheDir(root) } = {}) {
  let pointer;
  try {
    pointer = JSON.parse(readFileSync(join(cacheDir, 'current.json'), 'utf8'));
  } catch {
    return null;
  }
  if (pointer?.format !== FORMAT || pointer.root !== root || typeof pointer.build !== 'string') return null;
  if (typeof pointer.inputs !== 'object' || pointer.inputs === null) return null;
  for (const [file, stamp] of Object.entries(pointer.inputs)) {
    if (!sameStamp(stampOf(join(root, file)), stamp)) return null;
  }
  const main = join(cacheDir, pointer.build, 'main.mjs');
  return stampOf(main) === null ? null : main;
}

/** Bundles the CLI and its transform worker into the cache folder; resolves with the bundled entry. */
export async function buildCliBundle({ root = ROOT, cacheDir = defaultCacheDir(root) } = {}) {
  // Stamps taken before esbuild reads the files: an edit during the build makes the stamp, not the bundle, stale.
  const before = new Map();
  for (const file of [...listFiles(root, 'src'), ...BUILD_FILES]) before.set(file, stampOf(join(root, file)));
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ENTRIES,
    outdir: join(cacheDir, 'out'), // only names the files: write is off
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    splitting: true, // the commands' lazy imports stay lazy: `--help` loads no sqlite, a JSON Lines run no Parquet reader
    target: 'node20',
    packages: 'external', // npm packages load from node_modules, as under tsx
    write: false,
    metafile: true,
    logLevel: 'silent',
    // The pool starts its worker from the bundled file (transform-workers.ts reads this name).
    define: { AUDIENCE_UPLOADER_BUNDLED_WORKER: '__audienceUploaderBundledWorker' },
    banner: { js: "const __audienceUploaderBundledWorker = new URL('./transform-worker.mjs', import.meta.url).href;" },
    plugins: [sourceImportMetaUrl(root)],
  });
  const inputs = {};
  for (const file of [...Object.keys(result.metafile.inputs), ...BUILD_FILES]) {
    inputs[file] = before.has(file) ? before.get(file) : stampOf(join(root, file));
  }
  const hash = createHash('sha256');
  for (const output of result.outputFiles) hash.update(`${relative(cacheDir, output.path)}\0`).update(output.contents);
  const build = `b-${hash.digest('hex').slice(0, 16)}`;

  mkdirSync(cacheDir, { recursive: true });
  const buildDir = join(cacheDir, build);
  if (stampOf(join(buildDir, 'main.mjs')) === null) {
    const temporary = join(cacheDir, `tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    mkdirSync(temporary);
    for (const output of result.outputFiles) {
      writeFileSync(join(temporary, relative(join(cacheDir, 'out'), output.path)), output.contents);
    }
    try {
      renameSync(temporary, buildDir);
    } catch (error) {
      // Another run renamed the same build (same content: same name) into place first.
      rmSync(temporary, { recursive: true, force: true });
      if (stampOf(join(buildDir, 'main.mjs')) === null) throw error;
    }
  }
  writeAtomically(join(cacheDir, 'current.json'), JSON.stringify({ format: FORMAT, root, build, inputs }));
  removeOldBuilds(cacheDir, build);
  return join(buildDir, 'main.mjs');
}

/** The fresh bundle, rebuilt first when stale; null when it cannot be built (no esbuild, a build error). */
export async function cliBundle({ root = ROOT, cacheDir = defaultCacheDir(root), onBuildError } = {}) {
  const fresh = freshCliBundle({ root, cacheDir });
  if (fresh !== null) return fresh;
  try {
    return await buildCliBundle({ root, cacheDir });
  } catch (error) {
    // Without esbuild (a production install) tsx runs the CLI, silently; any other failure is worth a line.
    if (error?.code !== 'ERR_MODULE_NOT_FOUND') onBuildError?.(error);
    return null;
  }
}

/**
 * `import.meta.url` in a source file means that file (as under tsx), not the bundle: paths relative to it
 * (the sample data, tsx's loader) still resolve. Text replacement; the sources use it only as code.
 */
function sourceImportMetaUrl(root) {
  return {
    name: 'source-import-meta-url',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        if (!args.path.startsWith(join(root, 'src') + sep)) return undefined;
        const source = readFileSync(args.path, 'utf8');
        return {
          contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
          loader: 'ts',
        };
      });
    },
  };
}

function stampOf(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat === undefined ? null : [stat.size, stat.mtimeMs];
}

function sameStamp(a, b) {
  return a === null || b === null ? a === b : a[0] === b[0] && a[1] === b[1];
}

function listFiles(root, folder) {
  return readdirSync(join(root, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) =>
      relative(root, join(entry.parentPath ?? entry.path, entry.name))
        .split(sep)
        .join('/'),
    );
}

function writeAtomically(path, text) {
  const temporary = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

function removeOldBuilds(cacheDir, current) {
  const now = Date.now();
  for (const name of readdirSync(cacheDir)) {
    if (name === current || !(name.startsWith('b-') || name.startsWith('tmp-'))) continue;
    const stat = statSync(join(cacheDir, name), { throwIfNoEntry: false });
    if (stat !== undefined && now - stat.mtimeMs > OLD_BUILD_MS)
      rmSync(join(cacheDir, name), { recursive: true, force: true });
  }
}
