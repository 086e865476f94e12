#!/usr/bin/env node
// First, before the rest of the program loads: see the module.
import '../tuning/young-generation.js';
import '../tuning/old-generation.js';
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
