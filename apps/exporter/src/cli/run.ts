#!/usr/bin/env node
// First, before the rest of the program loads: see the modules.
import '../tuning/young-generation.js';
import '../tuning/old-generation.js';
import '@rds-s3-export/aws/ignore-node-version-warning';
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
