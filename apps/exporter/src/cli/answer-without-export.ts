/**
 * `--help` or `--version` alone. The built CLI (apps/exporter/bin) bundles this module on its
 * own, tree-shaken down to the two texts, and asks it first, so these answers cost about one
 * Node start-up instead of loading the export code (the AWS SDK, the drivers). With other
 * arguments beside them, `main` answers them the same way after parsing everything.
 */
import { USAGE } from './parse-args.js';
import { VERSION_LINE } from './version.js';

/** The text to print, or undefined when the arguments ask for more than help or the version. */
export function answerWithoutExport(argv: readonly string[]): string | undefined {
  if (argv.length !== 1) return undefined;
  if (argv[0] === '--help') return `${USAGE}\n`;
  if (argv[0] === '--version') return `${VERSION_LINE}\n`;
  return undefined;
}
