/**
 * The built CLI: `apps/exporter/src/cli/run.ts` bundled with esbuild, as the Lambda is (this
 * project's `build` target), into `dist/apps/exporter/cli/`, so that running it compiles nothing.
 * Plain JavaScript because it runs before anything could compile TypeScript.
 *
 * `ensureCliBundle()` returns the entry file of an up-to-date bundle and builds it first when it
 * is missing or stale: older than one of the workspace source files it was built from (their
 * list comes from esbuild's metafile, so a new import is seen through the file that imports it,
 * and a moved or deleted source makes the bundle stale), than this file, or than
 * `node_modules/.package-lock.json` (rewritten by every `npm ci` / `npm install`, so a changed
 * dependency rebuilds too). The check is a few hundred `stat` calls, ~2 ms.
 *
 * Two bundles: `rds-s3-export.mjs` (all of run.ts: the export code, the AWS SDK, the drivers,
 * ~4 MB in all) and `answer.mjs` (cli/answer-without-export.ts tree-shaken to the `--help` and
 * `--version` texts, a few KB), which the launcher asks first, so those two answers cost about
 * one Node start-up. (esbuild's code splitting cannot do this: a chunk takes every file the
 * entry imports, and the usage text's module imports the export code's modules.)
 *
 * The first is split into chunks (`splitting`) at its dynamic `import()`s: the S3 sink
 * (export-runtime plan/s3-sink.ts, with the AWS SDK) and each engine's row source (export-core
 * sources/open-source.ts, with mysql2 or pg). Node reads and compiles a chunk only when a run
 * imports it, so an export to a local folder never loads the AWS SDK, and a PostgreSQL one
 * never loads mysql2: about a quarter of a CPU-second less per call than the whole 4 MB.
 * A build records all its output files; a build missing any of them is stale.
 *
 * Concurrent builders do not clash: each writes its own `build-*` folder and then atomically
 * replaces `current.json`, which names the folder to run. Older folders are deleted, except the
 * previous one (a process started from it may still load a chunk) and any newer than an hour.
 *
 * `node apps/exporter/bin/cli-bundle.mjs` builds unconditionally (the `build` target does).
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** RDS_S3_EXPORT_CLI_DIST (an absolute folder) moves the build elsewhere: the tests build into a folder of their own. */
export const CLI_DIST = process.env.RDS_S3_EXPORT_CLI_DIST || join(ROOT, 'dist/apps/exporter/cli');
const CURRENT = join(CLI_DIST, 'current.json');
const ENTRY = 'apps/exporter/src/cli/run.ts';
const ANSWER = 'apps/exporter/src/cli/answer-without-export.ts';
/** Besides the bundle's own inputs: this file (the build options) and the installed dependencies. */
const EXTRA_INPUTS = [relative(ROOT, fileURLToPath(import.meta.url)), 'node_modules/.package-lock.json'];
/** The wasm of parquet-wasm's ESM build, copied next to the bundle (libs/export-core/src/parquet/parquet-wasm.ts finds it there). */
const PARQUET_WASM = 'node_modules/parquet-wasm/esm/parquet_wasm_bg.wasm';
const PARQUET_ENCODER_WORKER = 'libs/export-core/src/parquet/parquet-encoder-worker.mjs';
const KEEP_OLD_BUILDS_MS = 60 * 60 * 1000;

/**
 * @typedef {{ folder: string; entry: string; answer: string; outputs?: string[]; startedAt: number; inputs: string[] }} BuildRecord
 * `folder` is under CLI_DIST; `outputs` (every file of the build: the two entries and the
 * chunks, relative to `folder`) and `inputs` are relative to the repository root.
 * `startedAt` is taken before esbuild reads any file, so a source saved during a build is newer.
 */

/** @returns {BuildRecord | undefined} */
function readCurrent() {
  try {
    return JSON.parse(readFileSync(CURRENT, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Why the recorded build cannot be run as it is, or undefined when it is up to date. */
export function staleReason(record = readCurrent()) {
  if (!record) return 'no build yet';
  // A record without `outputs` comes from a build before chunks: rebuild.
  if (!record.outputs) return 'a build without chunks';
  try {
    for (const output of record.outputs) statSync(join(CLI_DIST, record.folder, output));
  } catch {
    return 'the bundle is gone';
  }
  for (const input of [...record.inputs, ...EXTRA_INPUTS]) {
    let mtime;
    try {
      mtime = statSync(join(ROOT, input)).mtimeMs;
    } catch {
      return `${input} is gone`;
    }
    if (mtime > record.startedAt) return `${input} changed`;
  }
  return undefined;
}

/**
 * Builds the bundles now. Returns their absolute paths.
 * @param {{ log?: (line: string) => void }} [options]
 */
export async function buildCliBundle(options = {}) {
  const startedAt = Date.now();
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch (error) {
    throw new Error(`cannot build the CLI: esbuild is not installed (a devDependency: run npm ci) (${error instanceof Error ? error.message : error})`);
  }
  options.log?.('rds-s3-export: building the CLI bundle (esbuild)…');
  const folderName = `build-${startedAt}-${process.pid}`;
  const folder = join(CLI_DIST, folderName);
  const common = {
    absWorkingDir: ROOT,
    outdir: folder,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    metafile: true,
    logLevel: 'warning',
  };
  const [full, answer, worker] = await Promise.all([
    esbuild.build({
      ...common,
      entryPoints: { 'rds-s3-export': ENTRY },
      splitting: true,
      chunkNames: 'chunk-[hash]',
      sourcemap: true,
      sourcesContent: false,
      plugins: [noCloudflareProbe],
      // CommonJS dependencies (mysql2, the AWS SDK) call require for Node built-ins.
      banner: { js: "import { createRequire as __cliCreateRequire } from 'node:module'; const require = __cliCreateRequire(import.meta.url);" },
    }),
    esbuild.build({ ...common, entryPoints: { answer: ANSWER }, plugins: [everythingSideEffectFree] }),
    // The Parquet writer's thread (parquet-encoder.ts starts it from beside its own chunk).
    esbuild.build({ ...common, entryPoints: { 'parquet-encoder-worker': PARQUET_ENCODER_WORKER } }),
  ]);
  // Parquet output (parquet-wasm) reads its WebAssembly next to the bundle: esbuild does not inline it.
  copyFileSync(join(ROOT, PARQUET_WASM), join(folder, 'parquet_wasm_bg.wasm'));
  const inputs = [...new Set([full, answer, worker].flatMap((build) => Object.keys(build.metafile.inputs)))].filter((path) => !path.includes('node_modules/'));
  /** @type {BuildRecord} */
  const outputs = [full, answer, worker].flatMap((build) => Object.keys(build.metafile.outputs))
    .filter((path) => !path.endsWith('.map'))
    .map((path) => relative(folder, join(ROOT, path)));
  const record = { folder: folderName, entry: 'rds-s3-export.mjs', answer: 'answer.mjs', outputs, startedAt, inputs };
  const previous = readCurrent();
  const temporary = `${CURRENT}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(record, null, 1)}\n`);
  renameSync(temporary, CURRENT);
  removeOldBuilds([folderName, previous?.folder ?? '']);
  return paths(record);
}

/**
 * Absolute paths of a build's two bundles.
 * @param {BuildRecord} record
 */
function paths(record) {
  return { entry: join(CLI_DIST, record.folder, record.entry), answer: join(CLI_DIST, record.folder, record.answer) };
}

/**
 * pg asks at load time whether it runs in a Cloudflare Worker: where `navigator` is missing
 * (Node 20; Node 21+ has it) it builds a fetch `Response` to find out, which makes Node load and
 * compile undici, its fetch implementation: 30-40 ms on an idle 2-core machine, 100-200 ms on a
 * busy one, in every CLI call, although the CLI never runs in a Worker and never uses fetch.
 * The probe is cut out of the bundle (the `navigator` check above it stays). If pg's code
 * changes so that the text is not found, the bundle is built unchanged, with a warning.
 * @type {import('esbuild').Plugin}
 */
const noCloudflareProbe = {
  name: 'no-cloudflare-probe',
  setup(build) {
    const probe = "if (typeof Response === 'function') {";
    build.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]stream\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes(probe)) return { contents: source, loader: 'js', warnings: [{ text: 'pg/lib/stream.js no longer has the Response probe: no-cloudflare-probe did nothing' }] };
      return { contents: source.replace(probe, 'if (false) { // no-cloudflare-probe (apps/exporter/bin/cli-bundle.mjs)'), loader: 'js' };
    });
  },
};

/**
 * For answer.mjs only: every module counts as free of side effects, so esbuild drops each one
 * whose exports the two texts do not use (the usage text's module imports the whole export).
 * Not for the real bundle, whose modules do have effects (tuning/, the warning filter).
 * @type {import('esbuild').Plugin}
 */
const everythingSideEffectFree = {
  name: 'everything-side-effect-free',
  setup(build) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData?.resolving || args.kind === 'entry-point') return undefined;
      const result = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { resolving: true } });
      // Unresolvable (an optional require such as pg-native): esbuild decides as without the plugin.
      return result.errors.length > 0 ? undefined : { ...result, sideEffects: false };
    });
  },
};

/** @param {string[]} keep */
function removeOldBuilds(keep) {
  for (const name of readdirSync(CLI_DIST)) {
    if (!name.startsWith('build-') || keep.includes(name)) continue;
    const path = join(CLI_DIST, name);
    try {
      if (Date.now() - statSync(path).mtimeMs > KEEP_OLD_BUILDS_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // another builder removed it first
    }
  }
}

/**
 * The bundles of an up-to-date build, built first if needed. Without esbuild (an install
 * without devDependencies) a stale bundle is run as it is, with a warning.
 * @param {{ log?: (line: string) => void }} [options]
 */
export async function ensureCliBundle(options = {}) {
  const record = readCurrent();
  const reason = staleReason(record);
  if (reason === undefined && record) return paths(record);
  mkdirSync(CLI_DIST, { recursive: true });
  try {
    return await buildCliBundle({ log: (line) => options.log?.(`${line} (${reason})`) });
  } catch (error) {
    if (record && reason !== 'no build yet' && reason !== 'the bundle is gone') {
      options.log?.(`rds-s3-export: running the existing CLI bundle as it is: ${error instanceof Error ? error.message : error}`);
      return paths(record);
    }
    throw error;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(CLI_DIST, { recursive: true });
  const { entry } = await buildCliBundle({ log: (line) => process.stderr.write(`${line}\n`) });
  process.stderr.write(`built ${relative(ROOT, entry)}\n`);
}
