import { parseArgs } from 'node:util';
import { CsvDialectSchema, jobNameForTable, jobNameProblem, parseColumnName, parseDestination, parseTableName, type CsvDialectInput, type Destination, type TableName } from '@rds-s3-export/shared-types';
import { MAX_CONNECT_TIMEOUT_SECONDS } from '@rds-s3-export/export-core';
import type { ExportPlanInput } from '@rds-s3-export/export-runtime/plan';
import { CliUsageError } from './errors.js';
import { urlHasPassword } from './password.js';

export const USAGE = `Usage:
  npm run export -- --source <mysql|mariadb|postgres>://user[:pass]@host:port/db
                    (--table <name> | --query "<sql>" --job-name <name>)
                    --dest <s3://bucket[/prefix] | file:///abs/dir>
                    [--layout hive|flat] [--compression none|gzip] [--format csv|parquet] [--run-time <ISO-8601>]
                    [--s3-endpoint <url>] [--json] [--password-stdin] [--connect-timeout <seconds>]
                    [--max-rows-per-file N] [--max-bytes-per-file N] [--chunks N [--chunk-key col] [--concurrency N]]
                    [CSV dialect options] [--progress auto|tty|json|none] [--quiet]
  npm run export -- [--config <file>] --job <name> [--source …] [--dest …] [--s3-endpoint <url>] [--run-time …] [--json]

Options:
  --source        database URL; a password in it is visible in the process list, so prefer
                  RDS_S3_EXPORT_DB_PASSWORD or --password-stdin. Parameters (any other is refused):
                  postgres: ?sslmode=disable|require|verify-ca|verify-full&sslrootcert=<ca.pem>&connect_timeout=<s>
                  mysql/mariadb: ?ssl-mode=DISABLED|REQUIRED|VERIFY_CA|VERIFY_IDENTITY&ssl-ca=<ca.pem>&connect-timeout=<s>
                  the verify modes trust the RDS CA bundle unless sslrootcert/ssl-ca names a CA
  --connect-timeout
                  seconds to wait for the database connection (TCP, TLS, login); default 5;
                  wins over the URL's connect_timeout and the connection's connectTimeoutSeconds
  --password-stdin
                  read the database password from stdin (a pipe or file, to EOF; one trailing
                  newline is dropped); not with a password in --source
  --table         table to export, exactly as named (case, spaces, dashes, unicode count):
                  table or schema.table; quote a part with a dot: '"My Schema"."Order Items"'
  --query         a single SELECT to export instead of a table (needs --job-name); it runs as
                  a subquery, so its result columns need distinct names
  --job-name      names the objects (default for --table: the table name, with its schema
                  unless that is the URL's database / public; see README "Job names")
  --allow-privileged-query
                  run the query even when the database user may do more than read
                  (refused by default; see README "Least-privilege database user")
  --dest          s3://bucket[/data-prefix] (default prefix rds_exports) or file:///abs/dir
  --layout        hive (default): <prefix>/<job>/dt=YYYY-MM-DD/<job>_YYYYMMDD_HHMMSS.csv
                  flat:           <prefix>/<job>_YYYYMMDD_HHMMSS.csv
  --compression   none (default) or gzip (.csv.gz, Content-Encoding: gzip)
  --format        csv (default) or parquet: typed columns, zstd row groups, .parquet objects
                  (README "Parquet output"); the CSV dialect and --compression do not apply
  --run-time      the run's time in UTC, names the objects (default: now)
  --s3-endpoint   S3-compatible endpoint (local S3 server); path-style addressing
  --json          print the manifest as JSON on stdout
  --max-rows-per-file, --max-bytes-per-file
                  split into <file>_partNNNN.csv objects, each with its header (bytes before compression)
  --chunks        export in N key-range chunks in parallel (plan -> chunks -> one manifest)
  --chunk-key     key column to split on (default: the job's primary key, else "id")
  --concurrency   chunks exported at once (default 4)
  --job           run a job of the deployment config: its connection (url, tls), table or query,
                  columns, destination, layout, compression and limits; options given here win
  --config        the deployment config file of --job (default: RDS_S3_EXPORT_CONFIG, else
                  rds-s3-export.yaml in the working directory or at the repository root)
  --progress      auto (default): a live line on stderr when it is a terminal, nothing otherwise;
                  tty: that line even when stderr is not a terminal; json: one JSON object per line
                  on stderr (progress events, then the outcome); none: no progress
  --quiet         no progress and no summary line; errors and warnings still go to stderr
  --help          this text
  --version       the exporter's version

CSV dialect (override the job's csv; the defaults are RFC 4180):
  --delimiter <c>        field separator, one character (default ","; "tab" or "\\t" for a tab)
  --crlf                 end records with CRLF (same as --record-delimiter crlf)
  --record-delimiter     lf (default) or crlf
  --no-header            no header row
  --bom                  start the file with a UTF-8 byte order mark (helps Excel)
  --formula-guard        prefix text cells starting with = + - @ TAB CR by ' (spreadsheet safety)
  --binary-encoding      base64 (default) or hex
  --timestamp-format     server (default, YYYY-MM-DD HH:MM:SS[.f]) or iso8601 (…T…Z)
  --zero-dates           MySQL 0000-00-00 dates: keep (default), null or error

Interrupts: Ctrl+C (SIGINT) or SIGTERM stops the export, aborts the upload, removes partial
files and writes no manifest; exit code 130 (SIGINT) or 143 (SIGTERM). A second Ctrl+C quits at once.

Exit codes: 0 ok, 2 config, 3 auth, 4 network, 5 database, 6 storage, 7 timeout, 1 other.`;

/** What the command line asks for: the plan's input (`ExportPlanInput`, in export-runtime) and the CLI's own switches. */
export interface CliCommand extends ExportPlanInput {
  readonly json: boolean;
  readonly help: boolean;
  /** --version: print the exporter's version and do nothing else. */
  readonly version?: boolean;
  /** Read the database password from stdin (main does the reading). */
  readonly passwordStdin?: boolean;
  /** @default 'auto' */
  readonly progress?: ProgressMode;
  /** --quiet: no progress and no summary line. */
  readonly quiet?: boolean;
}

export type ProgressMode = 'auto' | 'tty' | 'json' | 'none';

/** The CLI flag of each dialect field, so a schema error names what the user typed. */
const DIALECT_FLAGS: Record<keyof CsvDialectInput, string> = {
  delimiter: '--delimiter',
  recordDelimiter: '--record-delimiter',
  header: '--no-header',
  bom: '--bom',
  formulaGuard: '--formula-guard',
  binaryEncoding: '--binary-encoding',
  timestampFormat: '--timestamp-format',
  zeroDates: '--zero-dates',
};

/** Parses and validates CLI arguments. Every refusal names the option and never echoes a password. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        source: { type: 'string' },
        table: { type: 'string' },
        query: { type: 'string' },
        'job-name': { type: 'string' },
        dest: { type: 'string' },
        layout: { type: 'string' },
        compression: { type: 'string' },
        format: { type: 'string' },
        'run-time': { type: 'string' },
        's3-endpoint': { type: 'string' },
        json: { type: 'boolean', default: false },
        job: { type: 'string' },
        config: { type: 'string' },
        help: { type: 'boolean', default: false },
        version: { type: 'boolean', default: false },
        'password-stdin': { type: 'boolean', default: false },
        'max-rows-per-file': { type: 'string' },
        'max-bytes-per-file': { type: 'string' },
        chunks: { type: 'string' },
        'chunk-key': { type: 'string' },
        concurrency: { type: 'string' },
        'connect-timeout': { type: 'string' },
        'allow-privileged-query': { type: 'boolean', default: false },
        progress: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        delimiter: { type: 'string' },
        crlf: { type: 'boolean' },
        'record-delimiter': { type: 'string' },
        'no-header': { type: 'boolean' },
        bom: { type: 'boolean' },
        'formula-guard': { type: 'boolean' },
        'binary-encoding': { type: 'string' },
        'timestamp-format': { type: 'string' },
        'zero-dates': { type: 'string' },
      },
    }));
  } catch (error) {
    // parseArgs messages quote the offending option, never a value.
    throw new CliUsageError((error as Error).message.replace(/\. To specify.*$/s, ''));
  }
  if (values.help) return { jobName: '', json: false, help: true };
  if (values.version) return { jobName: '', json: false, help: false, version: true };

  const pick = <T extends string>(option: string, value: string | undefined, allowed: readonly T[]): T | undefined => {
    if (value === undefined) return undefined;
    const v = value.trim() as T;
    if (!allowed.includes(v)) throw new CliUsageError(`--${option} must be one of ${allowed.join(', ')} (got "${value}")`);
    return v;
  };

  const passwordStdin = values['password-stdin'] ?? false;
  if (passwordStdin && urlHasPassword(values.source)) {
    throw new CliUsageError('--password-stdin conflicts with the password in --source; drop the password from the URL');
  }

  const configJob = values.job?.trim();
  const configFile = values.config?.trim();
  if (configFile !== undefined && !configJob) throw new CliUsageError('--config names the deployment config of --job <name>; add --job');
  const table = values.table?.trim();
  const query = values.query?.trim();
  if (!configJob) {
    if (!values.source) throw new CliUsageError('--source is required (or use --job <name>)');
    if ((table === undefined) === (query === undefined)) throw new CliUsageError('give exactly one of --table or --query');
    if (query !== undefined && !values['job-name']) throw new CliUsageError('--query needs --job-name to name its objects');
    if (!values.dest) throw new CliUsageError('--dest is required (s3://bucket[/prefix] or file:///abs/dir)');
  } else if (table !== undefined || query !== undefined) {
    throw new CliUsageError('--job takes its table or query from the deployment config; drop --table/--query');
  }

  let tableName: TableName | undefined;
  if (table !== undefined) {
    const parsed = parseTableName(table);
    if (!parsed.ok) throw new CliUsageError(`--table "${table}" ${parsed.problem}`);
    tableName = parsed.value;
  }

  // An explicit name always wins (lowercased, as before); a table's derived name is already valid.
  const explicit = configJob ?? values['job-name'];
  const jobName =
    explicit !== undefined || tableName === undefined
      ? (explicit ?? '').trim().toLowerCase()
      : jobNameForTable(tableName, { defaultSchema: defaultSchemaOf(values.source) });
  const nameProblem = jobNameProblem(jobName);
  if (nameProblem) throw new CliUsageError(`job name "${jobName}" ${nameProblem} (set --job-name)`);

  let destination: Destination | undefined;
  if (values.dest !== undefined) {
    const parsed = parseDestination(values.dest);
    if (!parsed.ok) throw new CliUsageError(`--dest: ${parsed.problem}`);
    destination = parsed.value;
  }

  let runTime: Date | undefined;
  if (values['run-time'] !== undefined) {
    const raw = values['run-time'].trim();
    runTime = new Date(raw);
    if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(runTime.getTime())) {
      throw new CliUsageError(`--run-time "${raw}" is not an ISO-8601 time (e.g. 2026-02-22T10:12:00Z)`);
    }
  }

  let s3Endpoint: string | undefined;
  if (values['s3-endpoint'] !== undefined) {
    s3Endpoint = values['s3-endpoint'].trim();
    if (!/^https?:\/\/[^/]+/.test(s3Endpoint)) throw new CliUsageError(`--s3-endpoint "${s3Endpoint}" must be an http(s) URL`);
  }

  const whole = (option: string, value: string | undefined, min: number, max: number): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value.trim());
    if (!Number.isInteger(n) || n < min || n > max) throw new CliUsageError(`--${option} must be a whole number from ${min} to ${max} (got "${value}")`);
    return n;
  };
  let chunkKey: string | undefined;
  if (values['chunk-key'] !== undefined) {
    const parsed = parseColumnName(values['chunk-key'].trim());
    if (!parsed.ok) throw new CliUsageError(`--chunk-key "${values['chunk-key'].trim()}" ${parsed.problem}`);
    chunkKey = parsed.value;
  }
  const chunks = whole('chunks', values.chunks, 1, 10_000);
  const maxRowsPerFile = whole('max-rows-per-file', values['max-rows-per-file'], 1, 1_000_000_000);
  const maxBytesPerFile = whole('max-bytes-per-file', values['max-bytes-per-file'], 1024 * 1024, 5 * 1024 ** 4);
  if (chunks !== undefined && (maxRowsPerFile !== undefined || maxBytesPerFile !== undefined)) {
    throw new CliUsageError('--chunks writes one object per chunk; drop --max-rows-per-file/--max-bytes-per-file');
  }

  const progress = pick('progress', values.progress, ['auto', 'tty', 'json', 'none'] as const);
  const quiet = values.quiet ?? false;
  if (quiet && progress !== undefined && progress !== 'none') throw new CliUsageError(`--quiet turns progress off; drop --progress ${progress}`);
  const csv = dialectOptions(values);

  return {
    ...(csv ? { csv } : {}),
    ...(progress ? { progress } : {}),
    ...(quiet ? { quiet } : {}),
    maxRowsPerFile,
    maxBytesPerFile,
    chunks,
    chunkKey,
    concurrency: whole('concurrency', values.concurrency, 1, 64),
    connectTimeoutSeconds: whole('connect-timeout', values['connect-timeout'], 1, MAX_CONNECT_TIMEOUT_SECONDS),
    jobName,
    configJob,
    configFile,
    sourceUrl: values.source,
    table,
    query,
    ...(values['allow-privileged-query'] ? { allowPrivilegedQuery: true } : {}),
    destination,
    layout: pick('layout', values.layout, ['hive', 'flat'] as const),
    compression: pick('compression', values.compression, ['none', 'gzip'] as const),
    format: pick('format', values.format, ['csv', 'parquet'] as const),
    runTime,
    s3Endpoint,
    json: values.json ?? false,
    help: false,
    passwordStdin,
  };
}

/**
 * The schema a table name may leave out, from the --source URL: its database on MySQL/MariaDB
 * (where a schema is a database), `public` on PostgreSQL. Undefined when the URL does not parse
 * (the connection step reports that).
 */
function defaultSchemaOf(source: string | undefined): string | undefined {
  if (source === undefined) return undefined;
  try {
    const url = new URL(source);
    if (/^postgres(ql)?:$/.test(url.protocol)) return 'public';
    return decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The dialect flags as a partial dialect, checked by the job config's own schema (CsvDialectSchema)
 * so the CLI and a job's `csv` accept exactly the same values; an error names the flag.
 */
function dialectOptions(values: Record<string, string | boolean | undefined>): Partial<CsvDialectInput> | undefined {
  const text = (flag: string) => (typeof values[flag] === 'string' ? (values[flag] as string) : undefined);
  if (values.crlf && text('record-delimiter') !== undefined && text('record-delimiter')?.trim() !== 'crlf') {
    throw new CliUsageError(`--crlf conflicts with --record-delimiter ${text('record-delimiter')}`);
  }
  const delimiter = text('delimiter');
  const given: Partial<Record<keyof CsvDialectInput, unknown>> = {
    // A shell cannot easily pass a tab: "tab" and "\t" name it.
    delimiter: delimiter === 'tab' || delimiter === '\\t' ? '\t' : delimiter,
    recordDelimiter: values.crlf ? 'crlf' : text('record-delimiter')?.trim(),
    header: values['no-header'] ? false : undefined,
    bom: values.bom ? true : undefined,
    formulaGuard: values['formula-guard'] ? true : undefined,
    binaryEncoding: text('binary-encoding')?.trim(),
    timestampFormat: text('timestamp-format')?.trim(),
    zeroDates: text('zero-dates')?.trim(),
  };
  const set = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as Partial<CsvDialectInput>;
  if (Object.keys(set).length === 0) return undefined;
  const checked = CsvDialectSchema.safeParse(set);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    const field = issue.path[0] as keyof CsvDialectInput;
    const raw = given[field];
    throw new CliUsageError(`${DIALECT_FLAGS[field] ?? String(field)}: ${issue.message}${typeof raw === 'string' ? ` (got "${raw}")` : ''}`);
  }
  return set;
}
