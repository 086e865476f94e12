import { formatIdentifier } from '@rds-s3-export/shared-types';
import { ConfigError } from '../errors.js';

/** A name that exists, and how to write it in config (quoted or schema-qualified as needed). */
export interface KnownName {
  /** The bare name compared with the missing one. */
  readonly name: string;
  /** How it is shown, e.g. `"Order Items"` or `sales.invoices`. @default formatIdentifier(name) */
  readonly display?: string;
}

/** Suggestions listed at most. */
const MAX_SUGGESTIONS = 5;

/**
 * The existing names closest to `wanted`, best first: the same name in another case first
 * (the usual cause: PostgreSQL folds unquoted names to lowercase, the export never does), then
 * names containing it or contained in it, then by edit distance. Names too far away to be a
 * plausible typo are left out, so the list may be empty.
 */
export function closestNames(wanted: string, known: readonly KnownName[]): string[] {
  const target = wanted.toLowerCase();
  const scored = known.map((k) => {
    const lower = k.name.toLowerCase();
    const distance = editDistance(target, lower);
    const score = lower === target ? -2 : lower.includes(target) || target.includes(lower) ? -1 + distance / 1000 : distance;
    return { display: k.display ?? formatIdentifier(k.name), score, distance };
  });
  const limit = Math.max(2, Math.ceil(target.length * 0.5));
  return [...new Map(
    scored
      .filter((s) => s.score < 0 || s.distance <= limit)
      .sort((a, b) => a.score - b.score || a.display.localeCompare(b.display))
      .map((s) => [s.display, s.display] as const),
  ).keys()].slice(0, MAX_SUGGESTIONS);
}

/** Levenshtein distance over code points (names are short: at most 64 characters). */
function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[y.length] as number;
}

/**
 * SOURCE_OBJECT_NOT_FOUND for a table, schema or column that does not exist: the server's own
 * error (`serverMessage`, already prefixed with what was being done), then the closest existing
 * names of that `kind`. The server's error is the cause.
 */
export function missingNameError(
  serverMessage: string,
  missing: { readonly kind: 'table' | 'schema' | 'column'; readonly name: string },
  known: readonly KnownName[],
  cause: unknown,
): ConfigError {
  const suggestions = closestNames(missing.name, known);
  const plural = missing.kind === 'schema' ? 'schemas' : `${missing.kind}s`;
  const what = missing.kind === 'schema' ? `; there is no schema ${formatIdentifier(missing.name)}` : '';
  const hint = suggestions.length
    ? `; closest existing ${plural}: ${suggestions.join(', ')}`
    : known.length
      ? `; no existing ${missing.kind} name is close to it`
      : `; this user can see no ${plural} there`;
  return new ConfigError(
    'SOURCE_OBJECT_NOT_FOUND',
    `${serverMessage} (names are taken exactly as written, never case-folded; quote a part that contains a dot: "My Schema"."Order Items")${what}${hint}`,
    { cause },
  );
}

/** `; closest: a, b` for a name that is not among `names` (the export's columns), or '' when none is close. */
export function closestHint(wanted: string, names: readonly string[]): string {
  const suggestions = closestNames(wanted, names.map((name) => ({ name })));
  return suggestions.length ? `; closest: ${suggestions.join(', ')}` : '';
}
