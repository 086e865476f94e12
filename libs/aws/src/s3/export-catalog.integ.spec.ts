import { createHash } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { localS3ClientConfig, startS3, type LocalS3 } from '../testing/index.js';
import { RdsExportError } from '@rds-s3-export/shared-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putFakeRun } from '../testing/fake-runs.js';
import { downloadFilename, runCursorProblem, S3ExportCatalog } from './export-catalog.js';

const BUCKET = 'exports';
let s3: LocalS3;
let client: S3Client;
let catalog: S3ExportCatalog;

// Runs spread over three months (with an idle month between) and a run of another job whose
// name shares the prefix, which must never show up.
const runIds = [
  'orders_20251130_235500',
  'orders_20260101_000000',
  'orders_20260101_000500',
  'orders_20260131_235959',
  'orders_20260301_120000',
  'orders_20260301_120500',
];

beforeAll(async () => {
  s3 = await startS3({ buckets: [BUCKET] });
  client = new S3Client(localS3ClientConfig(s3.endpoint));
  catalog = new S3ExportCatalog({ client, bucket: BUCKET });
  for (const [index, runId] of runIds.entries()) {
    await putFakeRun(client, BUCKET, { job: 'orders', runId, bodies: [`id,name\n${index},"a, b"\n`] });
  }
  await putFakeRun(client, BUCKET, { job: 'orders_eu', runId: 'orders_eu_20260301_121000', bodies: ['id,name\n1,x\n'] });
  // Not a manifest of a run: ignored.
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: '_manifests/orders/orders_notes.json', Body: 'x' }));
});

afterAll(async () => {
  client?.destroy();
  await s3?.stop();
});

describe('Class: S3ExportCatalog', () => {
  it('lists a job\'s run ids newest first across months, page by page, with the last id as cursor', async () => {
    const now = new Date('2026-03-02T00:00:00Z');
    const seen: string[] = [];
    let before: string | undefined;
    const pages: number[] = [];
    for (;;) {
      const page = await catalog.listRunIds('orders', { limit: 4, before, now });
      seen.push(...page.runIds);
      pages.push(page.runIds.length);
      if (!page.more) break;
      before = page.runIds.at(-1);
    }
    expect(seen).toEqual([...runIds].reverse());
    expect(pages).toEqual([4, 2]);
  });

  it('follows LIST pages inside a month with a start-after marker', async () => {
    const small = new S3ExportCatalog({ client, bucket: BUCKET, listPageSize: 1 });
    const page = await small.listRunIds('orders', { limit: 10, now: new Date('2026-03-02T00:00:00Z') });
    expect(page).toEqual({ runIds: [...runIds].reverse(), more: false, next: null });
  });

  it('returns an empty page for a job without manifests and stops at the oldest run', async () => {
    expect(await catalog.listRunIds('nothing', { limit: 10 })).toEqual({ runIds: [], more: false, next: null });
    expect(await catalog.listRunIds('orders', { limit: 10, before: 'orders_20260101_000000' })).toEqual({ runIds: ['orders_20251130_235500'], more: false, next: null });
  });

  it('stops a walk at its LIST budget and resumes it from the continuation cursor', async () => {
    const client2 = new S3Client(localS3ClientConfig(s3.endpoint));
    let lists = 0;
    client2.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ListObjectsCommand') lists += 1;
        return next(args);
      },
      { step: 'initialize', name: 'countLists' },
    );
    // 1 LIST finds the oldest run, 2 months per call: 2026-04, 2026-03 | 2026-02, 2026-01 | 2025-12, 2025-11.
    const tight = new S3ExportCatalog({ client: client2, bucket: BUCKET, maxListsPerPage: 3 });
    const now = new Date('2026-03-02T00:00:00Z');
    const first = await tight.listRunIds('orders', { limit: 10, now });
    expect(first).toEqual({ runIds: ['orders_20260301_120500', 'orders_20260301_120000'], more: true, next: 'orders_20260301_000000' });
    expect(lists).toBe(3);
    const second = await tight.listRunIds('orders', { limit: 10, before: first.next!, now });
    expect(second).toEqual({ runIds: ['orders_20260131_235959', 'orders_20260101_000500', 'orders_20260101_000000'], more: true, next: 'orders_20260101_000000' });
    const third = await tight.listRunIds('orders', { limit: 10, before: second.next!, now });
    expect(third).toEqual({ runIds: ['orders_20251130_235500'], more: false, next: null });
    expect(lists).toBe(3 + 3 + 3);
    client2.destroy();
  });

  it('never walks below 2000 or beyond a month ahead, whatever the cursor or the oldest run', async () => {
    await putFakeRun(client, BUCKET, { job: 'ancient', runId: 'ancient_19000101_000000', bodies: ['id\n1\n'] });
    await putFakeRun(client, BUCKET, { job: 'ancient', runId: 'ancient_20260101_000000', bodies: ['id\n2\n'] });
    const now = new Date('2026-03-02T00:00:00Z');
    expect(await catalog.listRunIds('ancient', { limit: 10, now })).toEqual({ runIds: ['ancient_20260101_000000'], more: false, next: null });
    expect(await catalog.listRunIds('ancient', { limit: 10, before: 'ancient_21260101_000000', now })).toEqual({ runIds: ['ancient_20260101_000000'], more: false, next: null });
    expect(runCursorProblem('ancient_21260101_000000', now)).toContain('outside the range of run ids');
    expect(runCursorProblem('ancient_19991231_235959', now)).toContain('outside the range of run ids');
    expect(runCursorProblem('ancient_20260402_000000', now)).toBeNull();
  });

  it('reads a manifest, and null for a run that has none', async () => {
    const manifest = await catalog.readManifest('orders', 'orders_20260301_120500');
    expect(manifest).toMatchObject({ runId: 'orders_20260301_120500', job: 'orders', rows: 1, status: 'committed' });
    expect(manifest?.objects[0]?.key).toBe('rds_exports/orders/dt=2026-03-01/orders_20260301_120500.csv');
    expect(await catalog.readManifest('orders', 'orders_20200101_000000')).toBeNull();
  });

  it('refuses a manifest that is not valid JSON of the schema, with a coded error', async () => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: '_manifests/broken/broken_20260101_000000.json', Body: '{"runId": 1}' }));
    const error = await catalog.readManifest('broken', 'broken_20260101_000000').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RdsExportError);
    expect(error).toMatchObject({ code: 'MANIFEST_INVALID', errorClass: 'storage' });
  });

  it('presigns a GET that downloads the exact bytes as an attachment named after the key', async () => {
    const manifest = await catalog.readManifest('orders', 'orders_20260101_000500');
    const object = manifest!.objects[0]!;
    const now = new Date('2026-03-02T00:00:00Z');
    const signed = await catalog.presignDownload(object.key, { now });
    expect(signed.filename).toBe('orders_20260101_000500.csv');
    expect(signed.expiresAt.toISOString()).toBe('2026-03-02T00:05:00.000Z');
    const url = new URL(signed.url);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(url.searchParams.get('response-content-disposition')).toBe('attachment; filename="orders_20260101_000500.csv"');

    const response = await fetch(signed.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="orders_20260101_000500.csv"');
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.toString('utf8')).toBe('id,name\n2,"a, b"\n');
    expect(bytes.length).toBe(object.bytes);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(object.sha256);
  });

  it('makes download file names safe for the header', () => {
    expect(downloadFilename('a/b/x"y;z.csv')).toBe('x_y_z.csv');
    expect(downloadFilename('a/')).toBe('download');
  });
});
