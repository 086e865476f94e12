#!/usr/bin/env node
/**
 * The `rds-s3-export` command (the `bin` of @rds-s3-export/exporter, linked into
 * node_modules/.bin by `npm ci`; `npm run export` runs it too). It runs the esbuild bundle of
 * apps/exporter/src/cli/run.ts, building it first when it is missing or older than its sources
 * (see cli-bundle.mjs), so a fresh clone works after `npm ci` and nothing is compiled per call.
 * `--help` and `--version` alone are answered from a small bundle of their own.
 */
import { pathToFileURL } from 'node:url';
import { ensureCliBundle } from './cli-bundle.mjs';

const bundle = await ensureCliBundle({ log: (line) => process.stderr.write(`${line}\n`) });
const { answerWithoutExport } = await import(pathToFileURL(bundle.answer).href);
const answer = answerWithoutExport(process.argv.slice(2));
if (answer !== undefined) process.stdout.write(answer);
else await import(pathToFileURL(bundle.entry).href);
