/**
 * Read side of the export bucket for the dashboard: a job's manifests newest first, one
 * manifest, and presigned downloads.
 *
 * Newest first without a scan of the whole history: S3 lists keys in ascending order only,
 * but manifest keys are `<manifestPrefix>/<job>/<job>_YYYYMMDD_HHMMSS.json`, so a month's runs
 * share the prefix `<job>_YYYYMM`. A page walks months backwards from the cursor (or now),
 * listing one month at a time (a 5-minute job has ≤ 8,928 runs a month, ≤ 9 LIST pages) and
 * stops at the oldest manifest, which one `MaxKeys=1` LIST finds. Cost per page: the months
 * it spans (an idle month costs one LIST) plus one GET per returned manifest.
 *
 * Pages of a LIST are followed with a start-after marker (ListObjects with `Marker`, the last
 * key seen) rather than ListObjectsV2 continuation tokens: same listing and cost on S3, and
 * s3rver 3.7.1 cannot mint V2 tokens on Node ≥ 17 (it encrypts them with DES, which OpenSSL 3
 * no longer ships), so the local stack answers a truncated V2 listing with a 500.
 */
import { GetObjectCommand, ListObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ManifestSchema, RUN_ID_PATTERN, formatIssues, parseRunId, type Manifest } from '@rds-s3-export/shared-types';
import { AwsConfigError, StorageError, classifyS3Error, isS3NotFound } from '../errors.js';

/** Presigned URLs live this long. @default 300 s */
export const DOWNLOAD_URL_EXPIRY_SECONDS = 300;

export interface ExportCatalogOptions {
  /** Built once by the entrypoint and shared; never constructed here. */
  readonly client: S3Client;
  readonly bucket: string;
  /** Where manifests live. @default `_manifests` */
  readonly manifestPrefix?: string;
  /** Keys per LIST request (S3's maximum is 1,000). @default 1000 */
  readonly listPageSize?: number;
}

export interface ManifestPage {
  /** Run ids, newest first, all strictly before the `before` cursor. */
  readonly runIds: string[];
  /** True when older manifests exist beyond this page. */
  readonly more: boolean;
}

export interface PresignedDownload {
  readonly url: string;
  readonly filename: string;
  readonly expiresAt: Date;
}

export class S3ExportCatalog {
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly manifestPrefix: string;
  private readonly listPageSize: number;

  constructor(options: ExportCatalogOptions) {
    if (!options.bucket.trim()) throw new AwsConfigError('CATALOG_NO_BUCKET', 'the export catalog needs a bucket name');
    this.client = options.client;
    this.bucket = options.bucket.trim();
    this.manifestPrefix = (options.manifestPrefix ?? '_manifests').replace(/^\/+|\/+$/g, '');
    this.listPageSize = options.listPageSize ?? 1000;
  }

  manifestKey(job: string, runId: string): string {
    return `${this.manifestPrefix}/${job}/${runId}.json`;
  }

  /**
   * Run ids of a job's manifests, newest first, strictly older than `before` (a run id), at
   * most `limit` of them.
   */
  async listRunIds(job: string, { limit, before, now = new Date() }: { limit: number; before?: string; now?: Date }): Promise<ManifestPage> {
    const jobPrefix = `${this.manifestPrefix}/${job}/`;
    const oldestRunId = await this.oldestRunId(jobPrefix, job);
    if (!oldestRunId) return { runIds: [], more: false };
    const oldestMonth = monthOf(parseRunId(oldestRunId)?.time ?? new Date(0));
    const upper = before ? parseRunId(before)?.time : undefined;
    // Runs may be named after a slot slightly in the future (clock skew); start a month ahead.
    let month = monthOf(upper ?? new Date(now.getTime() + 31 * 86_400_000));

    const runIds: string[] = [];
    while (month >= oldestMonth) {
      const inMonth: string[] = [];
      let marker: string | undefined;
      do {
        const page = await this.list(`${jobPrefix}${job}_${month}`, { maxKeys: this.listPageSize, marker });
        for (const key of page.keys) {
          const runId = this.runIdOf(jobPrefix, key);
          if (runId !== null && (before === undefined || runId < before)) inMonth.push(runId);
        }
        marker = page.truncated ? page.keys.at(-1) : undefined;
      } while (marker);
      inMonth.sort().reverse();
      for (const runId of inMonth) {
        if (runIds.length === limit) return { runIds, more: true };
        runIds.push(runId);
      }
      month = previousMonth(month);
    }
    return { runIds, more: false };
  }

  /** The manifest of a run, or null if the run has none (not committed, or unknown). */
  async readManifest(job: string, runId: string): Promise<Manifest | null> {
    const key = this.manifestKey(job, runId);
    let text: string;
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      text = (await response.Body?.transformToString('utf-8')) ?? '';
    } catch (error) {
      if (isS3NotFound(error)) return null;
      throw classifyS3Error(error, { bucket: this.bucket, key, operation: 'read' });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new StorageError('storage', 'MANIFEST_INVALID', `manifest s3://${this.bucket}/${key} is not JSON`, { cause: error });
    }
    const parsed = ManifestSchema.safeParse(json);
    if (!parsed.success) {
      throw new StorageError('storage', 'MANIFEST_INVALID', `manifest s3://${this.bucket}/${key} is invalid: ${formatIssues(parsed.error)}`);
    }
    return parsed.data;
  }

  /**
   * A presigned GET for `key` that makes the browser save the object as its base name.
   * The caller decides which keys may be signed (the dashboard: only keys of a manifest).
   */
  async presignDownload(key: string, { expiresInSeconds = DOWNLOAD_URL_EXPIRY_SECONDS, now = new Date() } = {}): Promise<PresignedDownload> {
    const filename = downloadFilename(key);
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentDisposition: `attachment; filename="${filename}"`,
    });
    try {
      const url = await getSignedUrl(this.client, command, { expiresIn: expiresInSeconds });
      return { url, filename, expiresAt: new Date(now.getTime() + expiresInSeconds * 1000) };
    } catch (error) {
      throw classifyS3Error(error, { bucket: this.bucket, key, operation: 'read' });
    }
  }

  /** The first run id in key order (= the oldest), skipping keys that are not a run's manifest. */
  private async oldestRunId(jobPrefix: string, job: string): Promise<string | null> {
    let marker: string | undefined;
    do {
      const page = await this.list(`${jobPrefix}${job}_`, { maxKeys: Math.min(20, this.listPageSize), marker });
      const found = page.keys.map((key) => this.runIdOf(jobPrefix, key)).find((id) => id !== null);
      if (found) return found;
      marker = page.truncated ? page.keys.at(-1) : undefined;
    } while (marker);
    return null;
  }

  private runIdOf(jobPrefix: string, key: string): string | null {
    if (!key.startsWith(jobPrefix) || !key.endsWith('.json')) return null;
    const runId = key.slice(jobPrefix.length, -'.json'.length);
    return RUN_ID_PATTERN.test(runId) ? runId : null;
  }

  private async list(prefix: string, { maxKeys, marker }: { maxKeys?: number; marker?: string | undefined }) {
    try {
      const response = await this.client.send(new ListObjectsCommand({ Bucket: this.bucket, Prefix: prefix, MaxKeys: maxKeys, Marker: marker }));
      const keys = (response.Contents ?? []).map((object) => object.Key ?? '').filter((key) => key !== '');
      return { keys, truncated: response.IsTruncated === true && keys.length > 0 };
    } catch (error) {
      throw classifyS3Error(error, { bucket: this.bucket, key: prefix, operation: 'read' });
    }
  }
}

/** The key's last segment, restricted to characters that are safe inside a quoted header value. */
export function downloadFilename(key: string): string {
  const base = key.split('/').pop() ?? '';
  const safe = base.replace(/[^A-Za-z0-9._-]/g, '_');
  return safe === '' ? 'download' : safe;
}

/** `YYYYMM` of a UTC date. */
function monthOf(date: Date): string {
  return `${date.getUTCFullYear()}${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}

function previousMonth(month: string): string {
  const year = Number(month.slice(0, 4));
  const m = Number(month.slice(4));
  return m === 1 ? `${year - 1}12` : `${year}${String(m - 1).padStart(2, '0')}`;
}
