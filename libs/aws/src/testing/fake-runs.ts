/**
 * Test helpers for projects that read the export bucket (the dashboard API): committed runs
 * written the way the exporter writes them (data objects, then the manifest) into a real S3.
 */
import { createHash } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CsvDialectSchema, ManifestSchema, parseRunId, type Manifest } from '@rds-s3-export/shared-types';

export interface FakeRunOptions {
  readonly job: string;
  readonly runId: string;
  /** CSV bodies of the run's objects; keys follow the hive layout (`_partNNNN` when several). */
  readonly bodies: readonly string[];
  readonly durationMs?: number;
  readonly cursor?: Manifest['cursor'];
  readonly prefix?: string;
}

/** A valid manifest for the given bodies (rows = lines minus the header). */
export function fakeManifest(options: FakeRunOptions): { manifest: Manifest; objects: { key: string; body: Buffer }[] } {
  const time = parseRunId(options.runId)?.time;
  if (!time) throw new Error(`not a run id: ${options.runId}`);
  const day = time.toISOString().slice(0, 10);
  const prefix = options.prefix ?? 'rds_exports';
  const objects = options.bodies.map((text, index) => ({
    key: `${prefix}/${options.job}/dt=${day}/${options.runId}${options.bodies.length > 1 ? `_part${String(index + 1).padStart(4, '0')}` : ''}.csv`,
    body: Buffer.from(text, 'utf8'),
  }));
  const durationMs = options.durationMs ?? 1500;
  const rowsOf = (body: Buffer) => Math.max(0, body.toString('utf8').split('\n').filter((line) => line !== '').length - 1);
  const manifest = ManifestSchema.parse({
    manifestVersion: 1,
    runId: options.runId,
    job: options.job,
    status: 'committed',
    startedAt: new Date(time.getTime() + 1000).toISOString(),
    finishedAt: new Date(time.getTime() + 1000 + durationMs).toISOString(),
    durationMs,
    rows: objects.reduce((sum, o) => sum + rowsOf(o.body), 0),
    bytes: objects.reduce((sum, o) => sum + o.body.length, 0),
    objects: objects.map((o) => ({ key: o.key, rows: rowsOf(o.body), bytes: o.body.length, sha256: createHash('sha256').update(o.body).digest('hex') })),
    columns: [{ name: 'id', sourceType: 'int4' }, { name: 'name', sourceType: 'text' }],
    cursor: options.cursor ?? null,
    reconciliation: { sourceRows: objects.reduce((sum, o) => sum + rowsOf(o.body), 0), exportedRows: objects.reduce((sum, o) => sum + rowsOf(o.body), 0) },
    engine: 'postgres',
    source: { table: options.job },
    csv: CsvDialectSchema.parse({}),
    compression: 'none',
    timeZone: 'UTC',
    exporterVersion: '0.1.0',
  });
  return { manifest, objects };
}

/** Writes a committed run (objects, then manifest under `_manifests/<job>/<runId>.json`). */
export async function putFakeRun(client: S3Client, bucket: string, options: FakeRunOptions): Promise<{ manifest: Manifest; objects: { key: string; body: Buffer }[] }> {
  const run = fakeManifest(options);
  for (const object of run.objects) {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: object.key, Body: object.body, ContentType: 'text/csv' }));
  }
  await client.send(
    new PutObjectCommand({ Bucket: bucket, Key: `_manifests/${options.job}/${options.runId}.json`, Body: JSON.stringify(run.manifest), ContentType: 'application/json' }),
  );
  return run;
}
