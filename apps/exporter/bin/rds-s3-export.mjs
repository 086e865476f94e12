#!/usr/bin/env node
/**
 * The `rds-s3-export` command (the `bin` of @rds-s3-export/exporter, linked into
 * node_modules/.bin by `npm ci`; `npm run export` runs it too). It runs the esbuild bundle of
 * apps/exporter/src/cli/run.ts, building it first when it is missing or older than its sources
 * (see cli-bundle.mjs), so a fresh clone works after `npm ci` and nothing is compiled per call.
 * `--help` and `--version` alone are answered from a small bundle of their own.
 */
import module from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CLI_DIST, ensureCliBundle } from './cli-bundle.mjs';

// Node 22.1+ keeps V8's compiled code of the bundle on disk, so later calls skip most of
// compiling its 4 MB; Node 20 has no such API and compiles it every time.
try {
  module.enableCompileCache?.(join(CLI_DIST, 'compile-cache'));
} catch {
  // a cache that cannot be written only costs speed
}

const bundle = await ensureCliBundle({ log: (line) => process.stderr.write(`${line}\n`) });
const { answerWithoutExport } = await import(pathToFileURL(bundle.answer).href);
const answer = answerWithoutExport(process.argv.slice(2));
if (answer !== undefined) process.stdout.write(answer);
else await import(pathToFileURL(bundle.entry).href);
