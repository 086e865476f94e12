/**
 * Preloaded into every benchmark child (`node --import`): at exit it writes the process's own
 * CPU time and peak RSS to $BENCH_USAGE_FILE. /proc/<pid> disappears before the parent sees
 * the exit, so this is the only exact CPU figure for the whole life of the child.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_USAGE_FILE;
if (file) {
  process.once('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ userMicros: usage.userCPUTime, systemMicros: usage.systemCPUTime, maxRssKb: usage.maxRSS }));
  });
}
