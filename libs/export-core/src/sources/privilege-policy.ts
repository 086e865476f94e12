/**
 * The database role is the security boundary of a custom query: the exporter cannot tell
 * from SQL text what a function does (SLEEP, GET_LOCK, LOAD_FILE, lo_export, dblink_exec), and
 * a READ ONLY transaction does not stop a function that writes a server file or opens a
 * second connection. So before a custom query runs, the source reads what its own user may
 * do (mysql/mysql-privileges.ts, postgres/postgres-privileges.ts) and refuses the query when
 * the user holds more than reading, unless the job says so explicitly (`allowPrivilegedQuery`,
 * CLI `--allow-privileged-query`). Table exports run SQL the exporter writes, so they run for
 * any user; their findings are only reported (a warning in the run's log).
 */
import { ConfigError } from '../errors.js';

/** Where the least-privilege setup is documented (the README section's anchor). */
export const LEAST_PRIVILEGE_DOCS = 'README.md#least-privilege-database-user';

/** Findings shown in one message; the rest are counted. */
const SHOWN = 5;

/** One line per finding, e.g. `FILE on *.*`, `superuser (rolsuper)`. */
export type PrivilegeFindings = readonly string[];

/** Throws PRIVILEGED_QUERY_USER when a custom query would run as a user with `findings`. */
export function assertQueryPrivileges(
  findings: PrivilegeFindings,
  request: { readonly query?: string; readonly allowPrivilegedQuery?: boolean },
  user: string,
): void {
  if (request.query === undefined || request.allowPrivilegedQuery === true || findings.length === 0) return;
  throw new ConfigError(
    'PRIVILEGED_QUERY_USER',
    `custom query refused: database user "${user}" holds ${describeFindings(findings)}. A custom query runs with every privilege of ` +
      'its user, and functions can write server files or reach the database outside the read-only transaction. Connect as a user ' +
      `that may only SELECT the exported tables (see ${LEAST_PRIVILEGE_DOCS}), or set "allowPrivilegedQuery": true in the job ` +
      '(CLI: --allow-privileged-query) to run it anyway.',
  );
}

/** `a, b, c and 4 more` */
export function describeFindings(findings: PrivilegeFindings): string {
  const shown = findings.slice(0, SHOWN).join('; ');
  return findings.length > SHOWN ? `${shown}; and ${findings.length - SHOWN} more` : shown;
}

/**
 * The preflight every source runs right after its transaction starts, before any statement
 * that contains the custom query: reads the findings and refuses a custom query for a
 * privileged user. A table export never fails here (its findings are only reported), so a
 * failure to read them is ignored for it.
 */
export async function preflightPrivileges(
  read: () => Promise<PrivilegeFindings>,
  request: { readonly query?: string; readonly allowPrivilegedQuery?: boolean },
  user: string,
): Promise<PrivilegeFindings> {
  let findings: PrivilegeFindings;
  try {
    findings = await read();
  } catch (error) {
    if (request.query !== undefined) throw error;
    return [];
  }
  assertQueryPrivileges(findings, request, user);
  return findings;
}
