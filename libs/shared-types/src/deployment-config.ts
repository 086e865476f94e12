import { z } from 'zod';
import { ConnectionSchema, DEFAULT_PORTS, EngineSchema, JobConfigSchema, type Engine, type JobConfig, type JobConfigInput } from './job-config.js';

/**
 * The deployment config file (`rds-s3-export.yaml`): named database connections, deployment-wide
 * job defaults and the jobs. It resolves to `JobConfig[]` (each job's engine from its connection,
 * the connection embedded with its name), which is what the CDK app, the Lambdas, the CLI and the
 * dashboard use. Parsing and resolving are pure here; reading the file and naming its lines is
 * libs/jobs' business.
 */

/** Fields only a job itself can set: who it is, what it reads and how it splits. Every other field of a job may be a deployment-wide default. */
export const JOB_ONLY_FIELDS = ['name', 'engine', 'connection', 'table', 'query', 'columns', 'primaryKey', 'incremental', 'parallel'] as const;

const URL_SCHEMES: Record<Engine, readonly string[]> = { mysql: ['mysql', 'mariadb'], mariadb: ['mariadb', 'mysql'], postgres: ['postgres', 'postgresql'] };

/**
 * The same field with its defaults removed and every object member optional (recursively), so a
 * field left out of the file stays out, and the job's value, the deployment default and then
 * JobConfigSchema's own default apply in that order. Checks on leaves are kept; checks across
 * the members of an object run when the merged job is parsed with JobConfigSchema.
 */
function relaxed(schema: z.ZodType): z.ZodType {
  let inner: z.ZodType = schema;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional) inner = inner.unwrap() as z.ZodType;
  if (inner instanceof z.ZodObject) {
    const shape = Object.fromEntries(Object.entries(inner.shape as Record<string, z.ZodType>).map(([key, field]) => [key, relaxed(field)]));
    return z.object(shape).strict().optional();
  }
  return inner.optional();
}

/** Editor hints (JSON Schema `description`) of a job's fields; a field added to JobConfigSchema works without one. */
const JOB_FIELD_DOCS: Record<string, string> = {
  name: 'Job name: lowercase letters, digits, "_" and "-"; unique in the file. Names the objects, the schedule and the metrics.',
  connection: 'The connection (a key of "connections") the job reads; the job\'s engine is the connection\'s.',
  table: 'The table to export, table or schema.table, exactly as named (case, spaces, dashes, unicode count); quote a part that contains a dot: "My Schema"."Order Items" or `sales`.`order-items`. Exactly one of "table" or "query".',
  query: 'A single SELECT to export instead of a table, run in the read-only snapshot transaction as a subquery: its result columns need distinct names (alias them).',
  columns: 'Columns to export, in order (default: every column), exactly as named ("First Name" works; a quoted form like \'"First Name"\' is read too). Declared columns give the job an Athena table.',
  primaryKey: 'The table\'s key columns, exactly as named (the first splits a parallel job).',
  incremental: 'Export only rows after the stored (cursorColumn, keyColumn) cursor, up to now - lagSeconds (default 30).',
  schedule: 'EventBridge Scheduler expression, rate(N unit) or cron(6 fields), and its IANA time zone (default UTC). No schedule: on demand only.',
  destination: 'Where the objects go: bucket (local runs; in AWS the stack\'s bucket), prefix (rds_exports), manifestPrefix (_manifests), layout (hive | flat), compression (none | gzip).',
  format: 'Output format of the data objects: csv (default; the server\'s text in the csv dialect) or parquet (typed columns, zstd-compressed row groups, .parquet keys).',
  csv: 'CSV dialect (default RFC 4180: comma, LF, header, quote when needed).',
  limits: 'Split the export into parts of at most maxRowsPerFile rows / maxBytesPerFile bytes.',
  parallel: 'Export in key-range chunks on Step Functions: chunks (2-200), maxConcurrency (default 4). Needs primaryKey.',
  lambda: 'Exporter function size: memoryMb (default 1024), timeoutSeconds (default 900).',
};

const documented = (key: string, schema: z.ZodType) => (JOB_FIELD_DOCS[key] ? schema.describe(JOB_FIELD_DOCS[key]) : schema);

const jobFields = (keep: (key: string) => boolean) =>
  Object.fromEntries(
    Object.entries(JobConfigSchema.shape as Record<string, z.ZodType>)
      .filter(([key]) => keep(key))
      .map(([key, field]) => [key, documented(key, relaxed(field))]),
  );

/** A connection name: `connections.<name>`, referenced by jobs. */
export const ConnectionNameSchema = ConnectionSchema.shape.name.unwrap();

const { name: _name, ...connectionFields } = ConnectionSchema.shape;

/** One entry of `connections`: a database, its engine and how to reach it. */
export const DeploymentConnectionSchema = z
  .object({
    engine: EngineSchema.describe('Database engine: mysql | mariadb | postgres.'),
    // Every field of a job's connection (a new one included), those below with an editor hint.
    ...connectionFields,
    secret: connectionFields.secret.describe('Secrets Manager secret (ARN or name) of the exporter\'s own least-privilege database user (README "Least-privilege database user"; never the RDS master user\'s secret), RDS JSON form; required to deploy. The exporter may read exactly these secrets.'),
    url: connectionFields.url.describe('URL for local runs, without password (it comes from RDS_S3_EXPORT_DB_PASSWORD), e.g. mariadb://exporter@127.0.0.1:3306/shop.'),
    tls: connectionFields.tls.describe('TLS to the database: verify-full (RDS CA bundle and host name; the default in AWS), require (encrypted, not verified), disable.'),
    securityGroupId: connectionFields.securityGroupId.describe('The database\'s security group: the exporter gets an egress rule to it on the port.'),
    port: connectionFields.port.describe('Database port (default: the url\'s, else 3306 for mysql/mariadb, 5432 for postgres).'),
    connectTimeoutSeconds: connectionFields.connectTimeoutSeconds.describe('Seconds (1-600) to set up the database connection: TCP, TLS and login (default 10 in AWS, 5 for the CLI; a url\'s connect_timeout/connect-timeout wins in local runs).'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.secret === undefined && c.url === undefined) {
      ctx.addIssue({ code: 'custom', message: 'needs "secret" (the database secret, in AWS) or "url" (local runs), or both' });
    }
    if (c.url === undefined) return;
    let url: URL;
    try {
      url = new URL(c.url);
    } catch {
      return; // the url field reports it
    }
    const scheme = url.protocol.replace(/:$/, '');
    if (!URL_SCHEMES[c.engine].includes(scheme)) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: `is a ${scheme}:// URL but the engine is ${c.engine} (use ${URL_SCHEMES[c.engine][0]}://…)` });
    }
    if (c.port !== undefined && url.port && Number(url.port) !== c.port) {
      ctx.addIssue({ code: 'custom', path: ['port'], message: `is ${c.port} but the url says port ${url.port}; make them agree` });
    }
  });

/** `defaults`: deployment-wide values for every field a job may leave out (destination, csv, limits, lambda, schedule, …). */
export const JobDefaultsSchema = z.object(jobFields((key) => !(JOB_ONLY_FIELDS as readonly string[]).includes(key))).strict();

/** One entry of `jobs`: a job as in JobConfigSchema, but `connection` names an entry of `connections` and the engine comes from it. */
export const DeploymentJobSchema = z
  .object({
    name: documented('name', JobConfigSchema.shape.name),
    connection: documented('connection', ConnectionNameSchema),
    ...jobFields((key) => !['name', 'engine', 'connection'].includes(key)),
  })
  .strict();

export const DeploymentConfigSchema = z
  .object({
    /** The JSON Schema of this file, for editors; ignored otherwise. */
    $schema: z.string().optional(),
    connections: z
      .record(ConnectionNameSchema, DeploymentConnectionSchema)
      .refine((c) => Object.keys(c).length > 0, 'list at least one connection')
      .describe('The databases, by name: engine, secret (AWS), url (local runs), tls, securityGroupId, port.'),
    defaults: JobDefaultsSchema.optional().describe('Deployment-wide values of job fields (destination, csv, limits, lambda, schedule, ...); a job\'s own value wins.'),
    jobs: z.array(DeploymentJobSchema).min(1, 'list at least one job').describe('The export jobs; each names its connection.'),
  })
  .strict();

type Relaxed<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: Relaxed<T[K]> } : T;
type JobFieldsInput = Omit<JobConfigInput, 'name' | 'engine' | 'connection'>;

/** A connection as written in the file. */
export type DeploymentConnectionInput = z.input<typeof DeploymentConnectionSchema>;
/** `defaults` as written in the file (derived from JobConfigInput, so new job fields are defaults too). */
export type JobDefaultsInput = Relaxed<Omit<JobConfigInput, (typeof JOB_ONLY_FIELDS)[number]>>;
/** A job as written in the file. */
export type DeploymentJobInput = { name: string; connection: string } & Relaxed<JobFieldsInput>;
export interface DeploymentConfigInput {
  $schema?: string;
  connections: Record<string, DeploymentConnectionInput>;
  defaults?: JobDefaultsInput;
  jobs: DeploymentJobInput[];
}
/** The file once parsed (strings trimmed, no defaults filled in yet: those apply per job). */
export interface DeploymentConfig {
  $schema?: string;
  connections: Record<string, z.output<typeof DeploymentConnectionSchema>>;
  defaults?: Record<string, unknown>;
  jobs: ({ name: string; connection: string } & Record<string, unknown>)[];
}

/** A problem in the file: `path` locates it in the document (for its line), `job` and `field` name it. */
export interface DeploymentConfigIssue {
  readonly path: readonly (string | number)[];
  readonly job?: string;
  /** Dotted field path, relative to the job when `job` is set. */
  readonly field: string;
  readonly message: string;
}

export type DeploymentConfigResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: readonly DeploymentConfigIssue[] };

export interface ResolveOptions {
  /**
   * The deployment's export bucket. When set it is every job's `destination.bucket`, whatever the
   * file says: in AWS the stack's bucket (the Lambdas' `EXPORT_BUCKET`), for the CLI its `--dest`.
   * Without it each job needs `destination.bucket` (its own or `defaults.destination.bucket`).
   */
  readonly bucket?: string;
  /** Every connection a job uses must have a `secret` (AWS). @default false */
  readonly requireSecrets?: boolean;
}

const dotted = (path: readonly PropertyKey[]) => path.map(String).join('.');

/** Parses the document of a deployment config file; issues carry document paths. */
export function parseDeploymentConfig(document: unknown): DeploymentConfigResult<DeploymentConfig> {
  const parsed = DeploymentConfigSchema.safeParse(document);
  if (parsed.success) return { ok: true, value: parsed.data as DeploymentConfig };
  const rawJobs = (document as { jobs?: unknown } | null)?.jobs;
  return {
    ok: false,
    issues: parsed.error.issues
      .flatMap((issue): { path: PropertyKey[]; message: string }[] =>
        // A misspelt field: one issue per key, located at the key itself.
        issue.code === 'unrecognized_keys' ? issue.keys.map((key) => ({ path: [...issue.path, key], message: 'is not a field here (misspelt?)' })) : [issue],
      )
      .map((issue) => {
      const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
      if (path[0] === 'jobs' && typeof path[1] === 'number' && path.length > 2) {
        const name = Array.isArray(rawJobs) ? (rawJobs[path[1]] as { name?: unknown } | undefined)?.name : undefined;
        return { path, job: typeof name === 'string' ? name.trim() : `#${path[1] + 1}`, field: dotted(path.slice(2)), message: issue.message };
      }
      return { path, field: dotted(path) || '(root)', message: issue.message };
    }),
  };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Objects merge member by member; anything else (values, arrays) from `over` replaces `base`. */
function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    out[key] = isPlainObject(value) && isPlainObject(out[key]) ? merge(out[key] as Record<string, unknown>, value) : value;
  }
  return out;
}

/** Whether `path` exists in `value`. */
function has(value: unknown, path: readonly PropertyKey[]): boolean {
  let at: unknown = value;
  for (const key of path) {
    if (!isPlainObject(at) && !Array.isArray(at)) return false;
    if (!(String(key) in (at as object))) return false;
    at = (at as Record<string, unknown>)[String(key)];
  }
  return true;
}

/**
 * Resolves the parsed file to the jobs: the connection by name (engine, secret/url, TLS, port,
 * security group), `defaults` under each job's own values, the bucket (see
 * {@link ResolveOptions.bucket}), then JobConfigSchema with its defaults. Refuses an unknown
 * connection and a job defined twice; every issue names the job and the field.
 */
export function resolveDeploymentConfig(config: DeploymentConfig, options: ResolveOptions = {}): DeploymentConfigResult<JobConfig[]> {
  const issues: DeploymentConfigIssue[] = [];
  const jobs: JobConfig[] = [];
  const seen = new Map<string, number>();
  const known = Object.keys(config.connections);
  const defaults = config.defaults ?? {};
  const missingSecret = new Set<string>();

  config.jobs.forEach((entry, index) => {
    const at = (...path: (string | number)[]) => ['jobs', index, ...path];
    const { name, connection: connectionName, ...fields } = entry;
    const first = seen.get(name);
    if (first !== undefined) {
      issues.push({ path: at('name'), job: name, field: 'name', message: `job "${name}" is defined twice (first as jobs[${first}]); job names must be unique` });
      return;
    }
    seen.set(name, index);
    const connection = config.connections[connectionName];
    if (!connection) {
      issues.push({ path: at('connection'), job: name, field: 'connection', message: `no connection "${connectionName}" (known: ${known.join(', ')})` });
      return;
    }
    if (options.requireSecrets && connection.secret === undefined && !missingSecret.has(connectionName)) {
      missingSecret.add(connectionName);
      issues.push({
        path: ['connections', connectionName],
        field: `connections.${connectionName}.secret`,
        message: `is not set, and job "${name}" uses this connection: in AWS each connection needs the ARN of its database's secret`,
      });
    }
    const { engine, ...reach } = connection;
    const urlPort = reach.url ? Number(new URL(reach.url).port) || undefined : undefined;
    const merged = merge(defaults, fields);
    // A default time zone (no expression) applies to the jobs that have a schedule; it does not give one to those that do not.
    if (fields.schedule === undefined && isPlainObject(merged.schedule) && merged.schedule.expression === undefined) delete merged.schedule;
    if (options.bucket !== undefined) merged.destination = { ...(isPlainObject(merged.destination) ? merged.destination : {}), bucket: options.bucket };
    else if (!isPlainObject(merged.destination) || merged.destination.bucket === undefined) {
      issues.push({
        path: at(),
        job: name,
        field: 'destination.bucket',
        message: 'is not set: for local runs give defaults.destination.bucket, the job\'s destination.bucket or the CLI\'s --dest; in AWS the stack supplies its bucket',
      });
      return;
    }
    const input = {
      name,
      engine,
      connection: { name: connectionName, ...reach, port: reach.port ?? urlPort ?? DEFAULT_PORTS[engine] },
      ...merged,
    };
    const parsed = JobConfigSchema.safeParse(input);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
        // Point at the line that set the value: the job's own, else the default, else the job.
        const located =
          path[0] === 'connection'
            ? ['connections', connectionName, ...path.slice(1)]
            : has(fields, path)
              ? at(...path)
              : has(defaults, path)
                ? ['defaults', ...path]
                : at();
        issues.push({ path: located, job: name, field: dotted(path) || '(job)', message: issue.message });
      }
      return;
    }
    jobs.push(parsed.data);
  });
  return issues.length ? { ok: false, issues } : { ok: true, value: jobs };
}

/** File name of the committed JSON Schema, at the repository root (`$schema` of the sample configs). */
export const DEPLOYMENT_CONFIG_SCHEMA_FILE = 'rds-s3-export.schema.json';

/**
 * The JSON Schema of the file, generated from {@link DeploymentConfigSchema} (never hand-written),
 * for editor completion and checks. What JSON Schema cannot say (S3 naming rules, identifier
 * rules, cross-field checks) the loader still checks.
 */
export function deploymentConfigJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(DeploymentConfigSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    title: 'rds-s3-export deployment config',
    description: 'Connections (databases), deployment-wide job defaults and the jobs of one rds-s3-export deployment. Generated from the zod schema in libs/shared-types; regenerate with `npm run config-schema`.',
    ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema')),
  };
}
