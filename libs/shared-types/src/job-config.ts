import { z } from 'zod';
import { CsvDialectSchema } from './csv-dialect.js';
import { bucketNameProblem, jobNameProblem, keyPrefixProblem, parseColumnName, tableNameProblem } from './naming-rules.js';
import { trimSlashes } from './destination.js';

export const engines = ['mysql', 'mariadb', 'postgres'] as const;
export const EngineSchema = z.enum(engines);
export type Engine = z.infer<typeof EngineSchema>;

/** The port of each engine when a connection names none (URL without port, config without `port`). */
export const DEFAULT_PORTS: Readonly<Record<Engine, number>> = Object.freeze({ mysql: 3306, mariadb: 3306, postgres: 5432 });

const trimmed = () => z.string().trim();
const check = (problem: (v: string) => string | null) => (value: string, ctx: z.RefinementCtx) => {
  const p = problem(value);
  if (p) ctx.addIssue({ code: 'custom', message: p });
};

/**
 * A column name (naming-rules.ts): any name the engine allows, exact; a quoted form
 * (`"First Name"`, `` `order-id` ``) is read to the name it stands for.
 */
export const IdentifierSchema = trimmed().transform((value, ctx) => {
  const parsed = parseColumnName(value);
  if (parsed.ok) return parsed.value;
  ctx.addIssue({ code: 'custom', message: `"${value}" ${parsed.problem}` });
  return z.NEVER;
});
/** `table` or `schema.table`, each part any name the engine allows, optionally quoted (naming-rules.ts). Kept as written. */
export const TableNameSchema = trimmed().superRefine(check((v) => {
  const problem = tableNameProblem(v);
  return problem ? `"${v}" ${problem}` : null;
}));
export const BucketNameSchema = trimmed().superRefine(check(bucketNameProblem));
export const KeyPrefixSchema = z
  .string()
  .transform(trimSlashes)
  .superRefine(check(keyPrefixProblem));

/** TLS to the database: `verify-full` checks the certificate against the RDS CA bundle and the host name. */
export const TlsModeSchema = z.enum(['disable', 'require', 'verify-full']);
export type TlsMode = z.infer<typeof TlsModeSchema>;

/** `sg-` followed by 8 or 17 hex digits, the form EC2 gives security group ids. */
export const SECURITY_GROUP_ID_PATTERN = /^sg-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/**
 * Database connection of a job, as the job sees it once its deployment config is resolved. In
 * AWS: the secret (ARN or name) of a least-privilege database user, never the RDS master
 * user's (README "Least-privilege database user"). For local runs: a URL without a password (the
 * password of a local run comes from the environment, never from config). `name`, `tls`, `port`
 * and `securityGroupId` come from the deployment config's named connection the job references.
 */
export const ConnectionSchema = z
  .object({
    /** The name of the connection in the deployment config (`connections.<name>`). @default 'default' */
    name: trimmed().regex(/^[A-Za-z][A-Za-z0-9_-]{0,62}$/, 'must be a letter followed by up to 62 letters, digits, "_" or "-"').default('default'),
    /** TLS mode. @default 'verify-full' in AWS; local runs follow the URL */
    tls: TlsModeSchema.optional(),
    /** Database port. @default 3306 for mysql/mariadb, 5432 for postgres */
    port: z.number().int().min(1).max(65_535).optional(),
    /** Seconds to set up the database connection (TCP, TLS, login). @default 10 in AWS, 5 for the CLI; a local run's URL `connect_timeout`/`connect-timeout` wins */
    connectTimeoutSeconds: z.number().int().min(1).max(600).optional(),
    /** Security group of the database (the exporter gets an egress rule to it on `port`, and it an ingress rule). */
    securityGroupId: trimmed().regex(SECURITY_GROUP_ID_PATTERN, 'must be a security group id like sg-0123456789abcdef0').optional(),
    /**
     * Whether the deployment adds the exporter's ingress rule to `securityGroupId`. Set false when
     * that group is not the deployment's to change (it belongs to another account, or another
     * stack or tool manages its rules): the stack then outputs the rule to add. @default true
     */
    addIngressRule: z.boolean().optional(),
    secret: trimmed().min(1).optional(),
    url: trimmed()
      .superRefine((value, ctx) => {
        let url: URL;
        try {
          url = new URL(value);
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be a URL like postgres://user@host:5432/db' });
          return;
        }
        if (url.password) ctx.addIssue({ code: 'custom', message: 'must not contain a password (config is not a secret store)' });
      })
      .optional(),
  })
  .strict()
  .refine((c) => c.secret !== undefined || c.url !== undefined, 'needs "secret" (AWS) or "url" (local runs)');

export const DestinationConfigSchema = z
  .object({
    /** Bucket of the exports. Trimmed, then checked against the S3 naming rules. */
    bucket: BucketNameSchema,
    /** Data prefix. @default 'rds_exports' */
    prefix: KeyPrefixSchema.default('rds_exports'),
    /** Prefix of the manifests (commit markers), kept outside the data prefix. @default '_manifests' */
    manifestPrefix: KeyPrefixSchema.default('_manifests'),
    /** `hive` = `<prefix>/<job>/dt=YYYY-MM-DD/<file>`; `flat` = `<prefix>/<file>`. @default 'hive' */
    layout: z.enum(['hive', 'flat']).default('hive'),
    /** @default 'none' */
    compression: z.enum(['none', 'gzip']).default('none'),
  })
  .strict();

/** EventBridge Scheduler `rate(N unit)` (N >= 1) or a six-field `cron(min hour day-of-month month day-of-week year)`. */
function scheduleProblem(expression: string): string | null {
  const rate = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/.exec(expression);
  if (rate) return Number(rate[1]) >= 1 ? null : 'rate(N unit) needs N of at least 1';
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (!cron) return 'must be rate(N unit) or cron(...)';
  const fields = (cron[1] as string).trim().split(/\s+/);
  if (fields.length !== 6) return `cron(...) needs 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`;
  if (fields.some((f) => !/^[0-9A-Za-z*?,\-/#L]+$/.test(f))) return 'cron(...) fields may contain only digits, letters, * ? , - / # L';
  return null;
}

function timeZoneProblem(zone: string): string | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(zone) ? null : 'must be an IANA time zone name like Europe/Paris or UTC';
  } catch {
    return 'must be an IANA time zone name like Europe/Paris or UTC';
  }
}

export const ScheduleSchema = z
  .object({
    /** EventBridge Scheduler expression: `rate(5 minutes)` or `cron(0 2 * * ? *)`. */
    expression: trimmed().superRefine(check(scheduleProblem)),
    /** IANA time zone of cron expressions. @default 'UTC' */
    timeZone: trimmed().min(1).superRefine(check(timeZoneProblem)).default('UTC'),
  })
  .strict();

export const IncrementalSchema = z
  .object({
    cursorColumn: IdentifierSchema,
    keyColumn: IdentifierSchema,
    /** Rows newer than now - lagSeconds wait for the next run, so late commits are not skipped. @default 30 */
    lagSeconds: z.number().int().min(0).max(86_400).default(30),
  })
  .strict();

export const JobConfigSchema = z
  .object({
    name: trimmed().superRefine(check(jobNameProblem)),
    engine: EngineSchema,
    connection: ConnectionSchema,
    table: TableNameSchema.optional(),
    /** A custom SELECT instead of a table. Runs inside the read-only snapshot transaction. */
    query: trimmed().min(1).optional(),
    /**
     * Run `query` even when the database user holds more than read privileges (write, FILE,
     * superuser, dblink, …). The user's role is what limits a custom query: without this, such
     * a query is refused (PRIVILEGED_QUERY_USER). See README "Least-privilege database user".
     * @default false
     */
    allowPrivilegedQuery: z.boolean().optional(),
    /** Columns to export, in order. @default every column of the table */
    columns: z.array(IdentifierSchema).min(1).optional(),
    primaryKey: z.array(IdentifierSchema).min(1).optional(),
    incremental: IncrementalSchema.optional(),
    schedule: ScheduleSchema.optional(),
    destination: DestinationConfigSchema,
    csv: CsvDialectSchema.default(CsvDialectSchema.parse({})),
    /**
     * Output format of the data objects: `csv` (the server's text, the dialect above) or
     * `parquet` (typed columns, zstd; README "Parquet output"). @default 'csv'
     */
    format: z.enum(['csv', 'parquet']).default('csv').describe('Output format of the data objects: csv (default; the server\'s text in the csv dialect) or parquet (typed columns, zstd-compressed row groups, .parquet keys).'),
    limits: z
      .object({
        maxRowsPerFile: z.number().int().positive().optional(),
        /** At most S3's 5 TiB object size. */
        maxBytesPerFile: z.number().int().min(5 * 1024 * 1024).max(5 * 1024 ** 4).optional(),
      })
      .strict()
      .default({}),
    /**
     * Export in key-range chunks on Step Functions (plan -> Distributed Map -> commit) instead of
     * one Lambda. Needs `primaryKey` (its first column is the chunk key).
     */
    parallel: z
      .object({
        /**
         * Chunks per run. At most 200: the chunk results reach the commit step inside the state
         * machine's state, which Step Functions limits to 256 KiB.
         */
        chunks: z.number().int().min(2).max(200),
        /** Chunks exported at the same time, so the database is not overwhelmed. @default 4 */
        maxConcurrency: z.number().int().min(1).max(100).default(4),
      })
      .strict()
      .optional(),
    /**
     * Longest any one database statement may run, in seconds (MariaDB `max_statement_time`,
     * MySQL `max_execution_time`, PostgreSQL `statement_timeout`); the run then fails as
     * `timeout` instead of running into the Lambda deadline. The data query streams the whole
     * export, so this bounds the export's duration too. @default in AWS: lambda.timeoutSeconds
     * minus a margin (see statementTimeoutFor); CLI runs: no limit
     */
    statementTimeoutSeconds: z.number().int().min(1).max(86_400).optional(),
    lambda: z
      .object({
        /** @default 1024 */
        memoryMb: z.number().int().min(128).max(10_240).default(1024),
        /** @default 900 */
        timeoutSeconds: z.number().int().min(10).max(900).default(900),
      })
      .strict()
      .default({ memoryMb: 1024, timeoutSeconds: 900 }),
  })
  .strict()
  .superRefine((job, ctx) => {
    if ((job.table === undefined) === (job.query === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['table'], message: 'set exactly one of "table" or "query"' });
    }
    if (job.parallel && !job.primaryKey?.length && !job.incremental) {
      ctx.addIssue({ code: 'custom', path: ['parallel'], message: 'a parallel job needs "primaryKey" (its first column splits the chunks)' });
    }
    if (job.allowPrivilegedQuery !== undefined && job.query === undefined) {
      ctx.addIssue({ code: 'custom', path: ['allowPrivilegedQuery'], message: 'applies to "query" only (table exports run for any user)' });
    }
    if (job.query !== undefined && job.columns !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['columns'], message: '"columns" applies to "table" only; select the columns in the query' });
    }
  });

export type JobConfig = z.infer<typeof JobConfigSchema>;

/**
 * The statement timeout a job's sessions get in AWS: the job's own `statementTimeoutSeconds`,
 * or the Lambda timeout minus a margin (a fifth of it, at most 60 s), so a stuck statement
 * fails as a classified `timeout` before the Lambda is killed (900 s -> 840 s; 60 s -> 48 s).
 */
export function statementTimeoutFor(job: Pick<JobConfig, 'statementTimeoutSeconds' | 'lambda'>): number {
  if (job.statementTimeoutSeconds !== undefined) return job.statementTimeoutSeconds;
  const lambda = job.lambda.timeoutSeconds;
  return Math.max(1, lambda - Math.min(60, Math.ceil(lambda / 5)));
}
export type JobConfigInput = z.input<typeof JobConfigSchema>;

/** Formats zod issues as `field.path: message; ...` so errors name the field. */
export function formatIssues(error: z.ZodError, root = ''): string {
  return error.issues
    .map((i) => {
      const path = [root, ...i.path.map(String)].filter(Boolean).join('.');
      return `${path || '(root)'}: ${i.message}`;
    })
    .join('; ');
}
