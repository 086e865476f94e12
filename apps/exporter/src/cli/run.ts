#!/usr/bin/env node
// First, before the rest of the program loads: see the modules.
import '../tuning/young-generation.js';
import '../tuning/old-generation.js';
import '@rds-s3-export/aws/ignore-node-version-warning';
import { main } from './main.js';
import { Interrupted } from './errors.js';

// SIGINT/SIGTERM abort the run cleanly (upload aborted, temp files removed, no manifest) and
// main exits 130/143. A second signal while that cleanup runs quits at once, but not one within
// REPEAT_MS of the first: under `npm run export` one Ctrl+C can reach this process twice (the
// terminal signals the whole process group and tsx relays it too); the e2e suite types Ctrl+C
// on a real terminal to keep this honest.
const REPEAT_MS = 1000;
const interrupt = new AbortController();
let firstSignalAt = 0;
for (const name of ['SIGINT', 'SIGTERM'] as const) {
  process.on(name, () => {
    if (!interrupt.signal.aborted) {
      firstSignalAt = Date.now();
      interrupt.abort(new Interrupted(name));
    } else if (Date.now() - firstSignalAt > REPEAT_MS) {
      process.exit(new Interrupted(name).exitCode);
    }
  });
}

// Node prints process warnings (e.g. the AWS SDK's Node version notice) on its own; main prints
// them instead, in the output's format (a JSON line under --progress json).
process.removeAllListeners('warning');

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stdin: process.stdin,
  signal: interrupt.signal,
  warnings: process,
});
