import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import {
  parseDeploymentConfig,
  resolveDeploymentConfig,
  type DeploymentConfig,
  type DeploymentConfigIssue,
  type JobConfig,
  type ResolveOptions,
} from '@rds-s3-export/shared-types';
import { DeploymentConfigError } from './errors.js';
import { jobNamed } from './job-catalog.js';

/** The default file name, looked for in the working directory, then at the workspace root. */
export const DEFAULT_CONFIG_FILE = 'rds-s3-export.yaml';
/** The setting that names the file (the CLI's `--config` wins over it). */
export const CONFIG_ENV = 'RDS_S3_EXPORT_CONFIG';

/** A deployment config file, validated and resolved. */
export interface DeploymentConfigFile {
  /** Absolute path of the file (or the name given to {@link parseDeploymentConfigText}). */
  readonly file: string;
  /** The file as parsed (trimmed, unknown keys refused, no defaults filled in). */
  readonly config: DeploymentConfig;
  /** Every job, resolved, by name, in file order. */
  readonly jobs: ReadonlyMap<string, JobConfig>;
  /** The job of that name, or a JOB_UNKNOWN error listing the known ones. */
  job(name: string): JobConfig;
}

export interface ParseOptions extends ResolveOptions {
  /** How errors name the file. */
  readonly file: string;
}

/**
 * Parses a deployment config from its text: YAML, or JSON (a subset of YAML, so the same parser
 * gives both their line numbers). Every error names the file and the line, and the job and the
 * field where there is one: `rds-s3-export.yaml:12: job "orders": connection: no connection "shopp" (known: shop)`.
 */
export function parseDeploymentConfigText(text: string, options: ParseOptions): DeploymentConfigFile {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const [syntax] = document.errors;
  if (syntax) {
    // Only yaml's first sentence: the rest quotes the line, which may hold a value better not printed.
    const reason = syntax.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new DeploymentConfigError('DEPLOYMENT_CONFIG_SYNTAX', `${options.file}:${lineCounter.linePos(syntax.pos[0]).line}: not valid YAML or JSON: ${reason}`);
  }
  const fail = (issues: readonly DeploymentConfigIssue[]): never => {
    const lines = issues.map((issue) => {
      const where = `${options.file}:${lineOf(document.contents, lineCounter, issue.path)}`;
      return issue.job !== undefined ? `${where}: job "${issue.job}": ${issue.field}: ${issue.message}` : `${where}: ${issue.field}: ${issue.message}`;
    });
    throw new DeploymentConfigError('DEPLOYMENT_CONFIG_INVALID', lines.join('\n'));
  };
  const parsed = parseDeploymentConfig(document.toJS() ?? {});
  if (!parsed.ok) return fail(parsed.issues);
  const resolved = resolveDeploymentConfig(parsed.value, options);
  if (!resolved.ok) return fail(resolved.issues);
  const jobs = new Map(resolved.value.map((job) => [job.name, job]));
  return { file: options.file, config: parsed.value, jobs, job: (name) => jobNamed(jobs, name, options.file) };
}

export interface LoadOptions extends ResolveOptions {
  /** The file (`--config`); relative to `cwd`. @default env RDS_S3_EXPORT_CONFIG, else rds-s3-export.yaml in `cwd` or the workspace root */
  readonly path?: string;
  /** @default process.cwd() */
  readonly cwd?: string;
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Which file {@link loadDeploymentConfig} reads, and why (for the messages). */
export function findDeploymentConfig(options: Pick<LoadOptions, 'path' | 'cwd' | 'env'> = {}): string {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const env = options.env ?? process.env;
  const named = options.path?.trim() ? ['--config', options.path.trim()] : env[CONFIG_ENV]?.trim() ? [CONFIG_ENV, env[CONFIG_ENV]!.trim()] : undefined;
  if (named) {
    const file = path.resolve(cwd, named[1]!);
    if (!existsSync(file)) throw new DeploymentConfigError('DEPLOYMENT_CONFIG_NOT_FOUND', `deployment config ${file} (from ${named[0]}) does not exist`);
    return file;
  }
  const root = workspaceRoot(cwd);
  const candidates = [...new Set([path.join(cwd, DEFAULT_CONFIG_FILE), ...(root ? [path.join(root, DEFAULT_CONFIG_FILE)] : [])])];
  const found = candidates.find((file) => existsSync(file));
  if (!found) {
    throw new DeploymentConfigError(
      'DEPLOYMENT_CONFIG_NOT_FOUND',
      `no deployment config: ${candidates.join(' and ')} ${candidates.length > 1 ? 'do' : 'does'} not exist; copy rds-s3-export.example.yaml to ${DEFAULT_CONFIG_FILE} and edit it, or name a file with --config or ${CONFIG_ENV}`,
    );
  }
  return found;
}

/**
 * Finds, reads, validates and resolves the deployment config: `path` (the CLI's `--config`), else
 * `RDS_S3_EXPORT_CONFIG`, else `rds-s3-export.yaml` in the working directory, else at the
 * workspace root (the nearest folder up with an `nx.json`).
 */
export function loadDeploymentConfig(options: LoadOptions = {}): DeploymentConfigFile {
  const file = findDeploymentConfig(options);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new DeploymentConfigError('DEPLOYMENT_CONFIG_UNREADABLE', `cannot read deployment config ${file}: ${(error as Error).message}`, { cause: error });
  }
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const relative = path.relative(cwd, file);
  const shown = relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
  const loaded = parseDeploymentConfigText(text, { ...options, file: shown });
  return { ...loaded, file, job: (name) => jobNamed(loaded.jobs, name, shown) };
}

function workspaceRoot(from: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'nx.json'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** 1-based line of `docPath` in the document: of the key for a map member, of the item for a list entry; the nearest existing parent otherwise. */
function lineOf(root: Node | null, lines: LineCounter, docPath: readonly (string | number)[]): number {
  let node: unknown = root;
  let offset = (root as Node | null)?.range?.[0] ?? 0;
  for (const segment of docPath) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(segment));
      if (!pair) break;
      if (isScalar(pair.key) && pair.key.range) offset = pair.key.range[0];
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item) break;
      if (item.range) offset = item.range[0];
      node = item;
    } else break;
  }
  return lines.linePos(offset).line;
}

/**
 * Name of the validated deployment config that the CDK app writes next to each Lambda's bundled
 * handler (`index.mjs`): the config travels with the function's code, so a run never reads it
 * from anywhere else. The handler parses and resolves it again once per container.
 */
export const BUNDLED_CONFIG_FILE = 'deployment-config.json';
