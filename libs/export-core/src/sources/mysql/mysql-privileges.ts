/**
 * What the connected MySQL / MariaDB user may do beyond reading, from its own `SHOW GRANTS`
 * (which every user may run for itself) and those of the roles granted to it. Anything but
 * SELECT, SHOW VIEW, SHOW DATABASES and USAGE is a finding: write and DDL privileges, FILE
 * (LOAD_FILE, INTO OUTFILE), SUPER and the admin privileges, EXECUTE (a DEFINER routine can
 * write), PROXY, role grants WITH ADMIN OPTION and anything WITH GRANT OPTION. Reading is a
 * finding too where it reaches the `mysql` schema (its `user` / `global_priv` tables hold the
 * password hashes): SELECT or SHOW VIEW on `*.*`, and any privilege on `mysql` or its objects.
 * (information_schema is visible to every user and shows only what the user may see.)
 */
import type { Connection, RowDataPacket } from 'mysql2';
import { tokenizeQuery, type QueryToken } from '../query-tokens.js';
import type { PrivilegeFindings } from '../privilege-policy.js';

const READ_ONLY = new Set(['SELECT', 'USAGE', 'SHOW VIEW', 'SHOW DATABASES']);
/** Reading privileges that, on every database, include the `mysql` schema. */
const READS_TABLES = new Set(['SELECT', 'SHOW VIEW']);

type Db = ReturnType<Connection['promise']>;

/** One parsed `GRANT …` line: privileges on an object, or roles. */
export interface ParsedGrant {
  readonly privileges: readonly string[];
  readonly on: string | null;
  /** Role names (each part backtick-quoted), for `GRANT role TO user` lines. */
  readonly roles: readonly string[];
  readonly grantOption: boolean;
  readonly adminOption: boolean;
}

/**
 * Parses a SHOW GRANTS line with the MySQL tokenizer (quoted names may contain anything).
 * Returns null for lines that grant nothing (`SET DEFAULT ROLE`, MySQL partial `REVOKE`s).
 * Only privilege names, objects and role names are kept: the line may carry a password hash.
 */
export function parseGrant(line: string): ParsedGrant | null {
  const tokens = tokenizeQuery(line, 'mysql', { backslashInSingle: true, backslashInDouble: true });
  const upper = (t: QueryToken | undefined) => (t?.kind === 'word' ? t.text.toUpperCase() : '');
  if (upper(tokens[0]) !== 'GRANT') return null;
  const to = tokens.findIndex((t) => t.depth === 0 && upper(t) === 'TO');
  if (to < 0) return null;
  const on = tokens.findIndex((t, i) => i < to && t.depth === 0 && upper(t) === 'ON');
  const tail = tokens.slice(to + 1).map(upper).join(' ');
  const grantOption = / WITH(?: .*)? GRANT OPTION/.test(` ${tail}`);
  const adminOption = / WITH ADMIN OPTION/.test(` ${tail}`);
  const head = tokens.slice(1, on < 0 ? to : on);
  const items: QueryToken[][] = [[]];
  for (const t of head) {
    if (t.depth === 0 && t.text === ',') items.push([]);
    else (items.at(-1) as QueryToken[]).push(t);
  }
  if (on < 0) {
    const roles = items.map((parts) => parts.map((p) => (p.text === '@' ? '@' : quoteName(unquote(p.text)))).join(''));
    return { privileges: [], on: null, roles: roles.filter(Boolean), grantOption, adminOption };
  }
  // A column list (`SELECT (a, b)`) sits at depth 1: the privilege is the depth-0 words.
  const privileges = items.map((parts) => parts.filter((p) => p.depth === 0 && p.kind === 'word').map((p) => p.text.toUpperCase()).join(' '));
  const object = line.slice((tokens[on] as QueryToken).end, (tokens[to] as QueryToken).start).trim();
  return { privileges: privileges.filter(Boolean), on: object, roles: [], grantOption, adminOption };
}

/** Findings of one grant line (empty when it grants only reading). */
export function grantFindings(grant: ParsedGrant): string[] {
  const findings: string[] = [];
  if (grant.on !== null) {
    const extra = grant.privileges.filter((p) => !READ_ONLY.has(p));
    if (extra.length) findings.push(`${extra.join(', ')} on ${grant.on}`);
    const reads = grant.privileges.filter((p) => READS_TABLES.has(p));
    if (grant.on === '*.*' && reads.length) findings.push(`${reads.join(', ')} on *.* (includes the mysql schema and its password hashes)`);
    const onMysql = grant.privileges.filter((p) => READ_ONLY.has(p) && p !== 'USAGE');
    if (databaseOf(grant.on) === 'mysql' && onMysql.length) findings.push(`${onMysql.join(', ')} on ${grant.on} (the mysql schema holds the password hashes)`);
    if (grant.grantOption) findings.push(`GRANT OPTION on ${grant.on}`);
  } else if (grant.adminOption) {
    findings.push(`ADMIN OPTION on role ${grant.roles.join(', ')}`);
  }
  return findings;
}

/** Reads the findings of the current user, following granted roles (at most a few levels). */
export async function readMysqlPrivileges(db: Db): Promise<PrivilegeFindings> {
  const findings: string[] = [];
  const seen = new Set<string>();
  const read = async (sql: string) => {
    const [rows] = await db.query<RowDataPacket[]>({ sql, rowsAsArray: true });
    return (rows as unknown as string[][]).map((r) => String(r[0]));
  };
  const visit = async (sql: string, level: number, role?: string): Promise<void> => {
    let lines: string[];
    try {
      lines = await read(sql);
    } catch (error) {
      if (role === undefined) throw error;
      // MySQL 8 shows a role's grants to a user without SELECT on `mysql` only through USING.
      const expanded = await read(`SHOW GRANTS FOR CURRENT_USER() USING ${role}`).catch(() => undefined);
      if (!expanded) {
        findings.push(`role ${role} (its privileges could not be read)`);
        return;
      }
      lines = expanded;
    }
    for (const line of lines) {
      let grant: ParsedGrant | null;
      try {
        grant = parseGrant(line);
      } catch {
        findings.push('a grant that could not be read');
        continue;
      }
      if (!grant) continue;
      findings.push(...grantFindings(grant));
      for (const name of grant.roles) {
        if (seen.has(name) || level >= 3) continue;
        seen.add(name);
        // The role name is the server's own, re-quoted by the engine's rules (never spliced raw).
        await visit(`SHOW GRANTS FOR ${name}`, level + 1, name);
      }
    }
  };
  await visit('SHOW GRANTS', 0);
  return [...new Set(findings)];
}

/** The database of a grant's object (`db`.*, `db`.`t`, PROCEDURE db.p), lower-cased; null for *.* and proxies. */
function databaseOf(on: string): string | null {
  const match = /^(?:(?:TABLE|PROCEDURE|FUNCTION|PACKAGE(?: BODY)?)\s+)?(`(?:[^`]|``)*`|[^\s.`'@]+)\s*\./i.exec(on);
  return match ? unquote(match[1] as string).toLowerCase() : null;
}

function unquote(text: string): string {
  return text.startsWith('`') || text.startsWith("'") || text.startsWith('"') ? text.slice(1, -1).replaceAll(text[0]! + text[0]!, text[0]!) : text;
}

function quoteName(name: string): string {
  return '`' + name.replaceAll('`', '``') + '`';
}
