/**
 * What the connected PostgreSQL user may do beyond reading, from the catalogs (readable by
 * every user): superuser, REPLICATION (replication slots are not transactional: a slot created
 * inside the READ ONLY transaction survives it), CREATEROLE/CREATEDB, membership (direct or
 * inherited, or SET ROLE-able) in roles that reach the server's files or programs or that are
 * superusers (RDS `rds_superuser`, `rds_replication`), write privileges on tables, server-file
 * functions (lo_export, lo_import, pg_read_file …) it may execute, and a usable `dblink`
 * (EXECUTE on its functions and USAGE on their schema) or foreign-data wrapper (a second
 * connection runs outside the READ ONLY transaction: reproduced, `dblink_exec` deleted rows).
 *
 * Every check covers the user and every role it is a MEMBER of, NOINHERIT memberships
 * included: a query can switch to such a role mid-statement (`set_config('role', …)`) and use
 * its attributes and privileges. Every call is qualified with `pg_catalog.` (the search_path
 * is the user's).
 */
import type pg from 'pg';
import type { PrivilegeFindings } from '../privilege-policy.js';

const POWERFUL_ROLES = [
  'rds_superuser',
  'rds_replication',
  'pg_write_server_files',
  'pg_read_server_files',
  'pg_execute_server_program',
  'pg_write_all_data',
  'pg_signal_backend',
];
const FILE_FUNCTIONS = ['lo_export', 'lo_import', 'pg_read_file', 'pg_read_binary_file', 'pg_ls_dir', 'pg_stat_file', 'pg_file_write'];

/** Tables outside the system schemas: the ones a write privilege on matters for. */
const USER_TABLES = `pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'f') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
      AND EXISTS (SELECT 1 FROM m WHERE pg_catalog.has_table_privilege(m.oid, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE'))`;

const SQL = `
WITH m AS (
  SELECT r.oid, r.rolname::text AS rolname, r.rolsuper, r.rolreplication, r.rolcreaterole, r.rolcreatedb
  FROM pg_catalog.pg_roles r WHERE pg_catalog.pg_has_role(current_user, r.oid, 'MEMBER')
)
SELECT current_user::text AS me,
  (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) AS rolsuper,
  ARRAY(SELECT rolname FROM m WHERE rolreplication ORDER BY 1) AS replication,
  ARRAY(SELECT rolname FROM m WHERE rolcreaterole ORDER BY 1) AS createrole,
  ARRAY(SELECT rolname FROM m WHERE rolcreatedb ORDER BY 1) AS createdb,
  ARRAY(SELECT rolname FROM m WHERE rolname <> current_user AND (rolname = ANY($1::text[]) OR rolsuper) ORDER BY 1) AS roles,
  (SELECT pg_catalog.count(*) FROM ${USER_TABLES}) AS writable,
  (SELECT pg_catalog.min(pg_catalog.format('%I.%I', n.nspname, c.relname)) FROM ${USER_TABLES}) AS first_writable,
  ARRAY(SELECT DISTINCT p.proname::text FROM pg_catalog.pg_proc p
        WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.proname = ANY($2::text[])
          AND EXISTS (SELECT 1 FROM m WHERE pg_catalog.has_function_privilege(m.oid, p.oid, 'EXECUTE')) ORDER BY 1) AS file_functions,
  ARRAY(SELECT DISTINCT p.proname::text FROM pg_catalog.pg_proc p
        JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
        JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'dblink'
        WHERE p.proname IN ('dblink_exec', 'dblink', 'dblink_connect')
          AND EXISTS (SELECT 1 FROM m WHERE pg_catalog.has_function_privilege(m.oid, p.oid, 'EXECUTE')
                        AND pg_catalog.has_schema_privilege(m.oid, p.pronamespace, 'USAGE')) ORDER BY 1) AS dblink,
  ARRAY(SELECT w.fdwname::text FROM pg_catalog.pg_foreign_data_wrapper w
        WHERE EXISTS (SELECT 1 FROM m WHERE pg_catalog.has_foreign_data_wrapper_privilege(m.oid, w.oid, 'USAGE')) ORDER BY 1) AS wrappers,
  ARRAY(SELECT s.srvname::text FROM pg_catalog.pg_foreign_server s
        WHERE EXISTS (SELECT 1 FROM m WHERE pg_catalog.has_server_privilege(m.oid, s.oid, 'USAGE')) ORDER BY 1) AS servers`;

interface Row {
  me: string;
  rolsuper: boolean | string | null;
  replication: string[] | string;
  createrole: string[] | string;
  createdb: string[] | string;
  roles: string[] | string;
  writable: string;
  first_writable: string | null;
  file_functions: string[] | string;
  dblink: string[] | string;
  wrappers: string[] | string;
  servers: string[] | string;
}

/**
 * Reads the findings of the current user (one catalog query) inside the source's transaction,
 * under a savepoint: a failed read (ignored for a table export) must not abort the transaction.
 */
export async function readPostgresPrivileges(client: pg.Client): Promise<PrivilegeFindings> {
  await client.query('SAVEPOINT rse_privileges');
  let result: pg.QueryResult<Row>;
  try {
    // The source's client returns every value as text; the few booleans and arrays are parsed below.
    result = await client.query<Row>(SQL, [POWERFUL_ROLES, FILE_FUNCTIONS]);
  } catch (error) {
    await client.query('ROLLBACK TO SAVEPOINT rse_privileges').catch(() => undefined);
    throw error;
  }
  await client.query('RELEASE SAVEPOINT rse_privileges');
  const row = result.rows[0];
  if (!row || row.rolsuper === null) return ['a role that is not in pg_roles'];
  const yes = (v: boolean | string) => v === true || v === 't';
  const list = (v: string[] | string) => (Array.isArray(v) ? v : parseTextArray(v));
  const findings: string[] = [];
  // A superuser may do everything below; say that once (dblink and wrappers still matter below).
  const superuser = yes(row.rolsuper);
  if (superuser) findings.push('superuser (rolsuper)');
  if (superuser) return [...findings, ...remote(row, list)];
  // An attribute of the user itself is named alone; one of a role it may switch to names the role.
  const attribute = (name: string, holders: string[]) => {
    for (const holder of holders) findings.push(holder === row.me ? name : `${name} through membership in ${holder}`);
  };
  attribute('REPLICATION', list(row.replication));
  attribute('CREATEROLE', list(row.createrole));
  attribute('CREATEDB', list(row.createdb));
  for (const role of list(row.roles)) findings.push(`membership in ${role}`);
  const writable = Number(row.writable);
  if (writable > 0) findings.push(`INSERT/UPDATE/DELETE/TRUNCATE on ${writable} table${writable === 1 ? '' : 's'} (e.g. ${row.first_writable})`);
  const files = list(row.file_functions);
  if (files.length) findings.push(`EXECUTE on server-file functions (${files.join(', ')})`);
  return [...findings, ...remote(row, list)];
}

/** dblink and foreign-data wrappers: ways to a second connection outside the read-only transaction. */
function remote(row: Row, list: (v: string[] | string) => string[]): string[] {
  const findings: string[] = [];
  const dblink = list(row.dblink);
  if (dblink.length) findings.push(`EXECUTE on dblink (${dblink.join(', ')}): a second connection outside the read-only transaction`);
  const wrappers = list(row.wrappers);
  if (wrappers.length) findings.push(`USAGE on foreign-data wrapper ${wrappers.join(', ')}`);
  const servers = list(row.servers);
  if (servers.length) findings.push(`USAGE on foreign server ${servers.join(', ')}`);
  return findings;
}

/** `{a,b,"c d"}` -> ['a', 'b', 'c d'] (role, function and wrapper names). */
function parseTextArray(text: string): string[] {
  const inner = text.replace(/^\{|\}$/g, '');
  if (!inner) return [];
  const items: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|([^,]+)/g;
  for (let m = re.exec(inner); m; m = re.exec(inner)) items.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] as string));
  return items;
}
