/**
 * The manifest: built, written, read and located here and nowhere else in the core. It is the
 * commit marker of a run, written last, only when every object of the run is stored; its shape
 * is the shared-types `ManifestSchema`, and every read parses it with that schema.
 */
import { manifestKeyFor, parseManifest, typedColumn, type CsvDialect, type Engine, type Manifest, type ManifestColumn, type ManifestObject } from '@rds-s3-export/shared-types';
import { manifestParquetColumn } from '../parquet/parquet-types.js';
import type { Cursor, Logger, ObjectSink } from '../ports.js';
import { SinkError } from '../errors.js';
import { EXPORTER_VERSION } from '../version.js';
import { removeObjects, runFailure } from './snapshot-export.js';

/** What a run exports and where its manifests live: the same for every run of a job. */
export interface ManifestSubject {
  readonly job: string;
  readonly table?: string;
  readonly query?: string;
  readonly dialect: CsvDialect;
  readonly compression: 'none' | 'gzip';
  /** Recorded in the manifest when set. @default 'csv' */
  readonly format?: 'csv' | 'parquet';
  readonly manifestPrefix: string;
}

/** What one run produced. */
export interface RunFacts {
  readonly runId: string;
  readonly engine: Engine;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly columns: readonly ManifestColumn[];
  /** The incremental window (null bounds = from the beginning); absent for a full export. */
  readonly window?: { readonly from: Cursor | null; readonly to: Cursor | null } | null;
  readonly objects: readonly ManifestObject[];
  /** The source's COUNT(*) of the exported rows (summed over chunks). */
  readonly sourceRows: number;
  /** @default EXPORTER_VERSION */
  readonly exporterVersion?: string;
}

export function buildManifest(subject: ManifestSubject, facts: RunFacts): Manifest {
  const rows = facts.objects.reduce((sum, o) => sum + o.rows, 0);
  return {
    manifestVersion: 1,
    runId: facts.runId,
    job: subject.job,
    status: 'committed',
    startedAt: facts.startedAt.toISOString(),
    finishedAt: facts.finishedAt.toISOString(),
    durationMs: Math.max(0, facts.finishedAt.getTime() - facts.startedAt.getTime()),
    rows,
    bytes: facts.objects.reduce((sum, o) => sum + o.bytes, 0),
    objects: [...facts.objects],
    columns: facts.columns.map((c) => ({ name: c.name, sourceType: c.sourceType, ...(c.kind ? { kind: c.kind } : {}) })),
    cursor: facts.window ? { from: facts.window.from, to: facts.window.to } : null,
    reconciliation: { sourceRows: facts.sourceRows, exportedRows: rows },
    engine: facts.engine,
    source: subject.table !== undefined ? { table: subject.table } : { query: subject.query ?? '' },
    csv: subject.dialect,
    // Parquet compresses inside the file (zstd): the object itself is never gzip.
    compression: subject.format === 'parquet' ? 'none' : subject.compression,
    ...(subject.format ? { format: subject.format } : {}),
    ...(subject.format === 'parquet' ? { parquet: { columns: parquetColumns(facts.engine, facts.columns) } } : {}),
    timeZone: 'UTC',
    exporterVersion: facts.exporterVersion ?? EXPORTER_VERSION,
  };
}

/**
 * The Parquet schema of the run's columns: the one every object was checked against as it was
 * written (parquet-object.ts), so it is stated even for a run without objects (an empty window).
 * A column recorded without its kind (a plan of an older version) is typed by its declared type alone.
 */
function parquetColumns(engine: Engine, columns: readonly ManifestColumn[]) {
  return columns.map((c) => manifestParquetColumn(c.name, typedColumn(engine, { sourceType: c.sourceType, kind: c.kind ?? 'other' })));
}

export function manifestKey(subject: Pick<ManifestSubject, 'job' | 'manifestPrefix'>, runId: string): string {
  return manifestKeyFor(subject.manifestPrefix, subject.job, runId);
}

/** True when the run has a manifest (is committed), without reading it. */
export async function hasManifest(sink: ObjectSink, subject: Pick<ManifestSubject, 'job' | 'manifestPrefix'>, runId: string): Promise<boolean> {
  return (await sink.getObject(manifestKey(subject, runId))) !== null;
}

/** The run's manifest, parsed; null when the run has none. A manifest that is not one is a storage error. */
export async function readManifest(sink: ObjectSink, subject: Pick<ManifestSubject, 'job' | 'manifestPrefix'>, runId: string): Promise<Manifest | null> {
  const key = manifestKey(subject, runId);
  const text = await sink.getObject(key);
  if (text === null) return null;
  const parsed = parseManifest(text);
  if ('problem' in parsed) throw new SinkError('storage', 'MANIFEST_INVALID', `manifest ${sink.describe(key)} ${parsed.problem}`);
  return parsed.manifest;
}

export interface PublishOptions {
  readonly sink: ObjectSink;
  readonly logger: Logger;
  /** How a failure names the run (`export of job "x" (mariadb table t)`). */
  readonly context: string;
  /** Last check before the marker is written (the job protocol: is this still the run in flight?). */
  readonly before?: () => Promise<void>;
  /** An aborted run (the CLI's Ctrl+C) is not committed, even when its data is complete. */
  readonly signal?: AbortSignal;
}

/**
 * Writes the manifest: the commit. If the last check or the write fails, the run's objects are
 * removed, so nothing of an uncommitted run stays visible.
 */
export async function publishManifest(manifest: Manifest, subject: ManifestSubject, options: PublishOptions): Promise<Manifest> {
  const key = manifestKey(subject, manifest.runId);
  try {
    // An interrupt that came after the data was complete still commits nothing (the catch removes the data).
    options.signal?.throwIfAborted();
    await options.before?.();
    options.logger.info('writing manifest', { runId: manifest.runId, job: subject.job, phase: 'commit', key, rows: manifest.rows, bytes: manifest.bytes, parts: manifest.objects.length });
    await options.sink.putObject(key, `${JSON.stringify(manifest, null, 2)}\n`, { contentType: 'application/json' });
    return manifest;
  } catch (error) {
    await removeObjects(options.sink, manifest.objects);
    throw runFailure(options.logger, { runId: manifest.runId, job: subject.job, context: options.context }, error);
  }
}
