/**
 * Read side of the export bucket for the dashboard: a job's manifests newest first, one
 * manifest, and presigned downloads.
 *
 * Newest first without a scan of the whole history: S3 lists keys in ascending order only,
 * but manifest keys are `<manifestPrefix>/<job>/<job>_YYYYMMDD_HHMMSS.json`, so a month's runs
 * share the prefix `<job>_YYYYMM`. A page walks months backwards from the cursor (or now),
 * listing one month at a time (a 5-minute job has ≤ 8,928 runs a month, ≤ 9 LIST pages) and
 * stops at the oldest manifest, which one LIST finds. Cost per page: the months it spans (an
 * idle month costs one LIST) plus one GET per returned manifest.
 *
 * Bounded cost whatever the request or the bucket holds: a cursor must lie between
 * EARLIEST_RUN_TIME and now + FUTURE_RUN_MARGIN_MS (the API refuses others with a 400; this class
 * clamps), the walk never goes below EARLIEST_RUN_TIME (a run named 1900-01-01 would otherwise
 * make every page walk 1,500 idle months), and one call makes at most `maxListsPerPage` LISTs
 * before it starts a month it cannot afford: it then returns what it found with `next`, a
 * continuation cursor that resumes the walk where it stopped. A month once started is listed to
 * its end (its keys arrive oldest first), so a call may exceed the budget by the pages of one
 * month: at most 45 at the densest schedule EventBridge allows (rate(1 minute)).
 *
 * Pages of a LIST are followed with a start-after marker (ListObjects with `Marker`, the last
 * key seen) rather than ListObjectsV2 continuation tokens: same listing and cost on S3, and
 * s3rver 3.7.1 cannot mint V2 tokens on Node ≥ 17 (it encrypts them with DES, which OpenSSL 3
 * no longer ships), so the local stack answers a truncated V2 listing with a 500.
 */
import { GetObjectCommand, ListObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { RUN_ID_PATTERN, manifestFolderFor, manifestKeyFor, parseManifest, parseRunId, type Manifest } from '@rds-s3-export/shared-types';
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
  /** LIST requests one `listRunIds` call may start (the oldest-manifest lookup included; at least 2). @default DEFAULT_MAX_LISTS_PER_PAGE */
  readonly maxListsPerPage?: number;
}

/** Two years of idle months, plus the oldest-manifest lookup. */
export const DEFAULT_MAX_LISTS_PER_PAGE = 25;
/** No schedule slot is older than this; older run ids (a mistyped `--run-time`) are not walked to. */
export const EARLIEST_RUN_TIME = new Date('2000-01-01T00:00:00Z');
/** Runs may be named after a slot slightly in the future (clock skew); the walk starts this far ahead of now. */
export const FUTURE_RUN_MARGIN_MS = 31 * 86_400_000;

/**
 * Why `cursor` (a run id) is not a page cursor this catalog accepts at `now`, or null if it is.
 * Outside the range there is nothing to find, and walking to it would cost one LIST per month.
 */
export function runCursorProblem(cursor: string, now: Date): string | null {
  const parsed = parseRunId(cursor);
  if (!parsed) return `"${cursor}" is not a run id <job>_YYYYMMDD_HHMMSS with a valid date and time`;
  const latest = new Date(now.getTime() + FUTURE_RUN_MARGIN_MS);
  if (parsed.time < EARLIEST_RUN_TIME || parsed.time > latest) {
    return `"${cursor}" is outside the range of run ids (${EARLIEST_RUN_TIME.toISOString()} to ${latest.toISOString()}); use the nextCursor of a previous page`;
  }
  return null;
}

export interface ManifestPage {
  /** Run ids, newest first, all strictly before the `before` cursor. */
  readonly runIds: string[];
  /** True when older manifests may exist beyond this page. */
  readonly more: boolean;
  /**
   * When `more`: the `before` of the next page. The last run id when the page is full; when the
   * LIST budget ran out first, the start of the oldest month searched (the page may then hold
   * fewer than `limit` ids, even none). Null when `more` is false.
   */
  readonly next: string | null;
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
  private readonly maxListsPerPage: number;

  constructor(options: ExportCatalogOptions) {
    if (!options.bucket.trim()) throw new AwsConfigError('CATALOG_NO_BUCKET', 'the export catalog needs a bucket name');
    this.client = options.client;
    this.bucket = options.bucket.trim();
    this.manifestPrefix = (options.manifestPrefix ?? '_manifests').replace(/^\/+|\/+$/g, '');
    this.listPageSize = options.listPageSize ?? 1000;
    this.maxListsPerPage = options.maxListsPerPage ?? DEFAULT_MAX_LISTS_PER_PAGE;
    if (!Number.isInteger(this.maxListsPerPage) || this.maxListsPerPage < 2) {
      throw new AwsConfigError('CATALOG_LIST_BUDGET', `maxListsPerPage must be an integer ≥ 2 (one LIST finds the oldest manifest, one lists a month); got ${this.maxListsPerPage}`);
    }
  }

  manifestKey(job: string, runId: string): string {
    return manifestKeyFor(this.manifestPrefix, job, runId);
  }

  /**
   * Run ids of a job's manifests, newest first, strictly older than `before` (a run id), at
   * most `limit` of them.
   */
  async listRunIds(job: string, { limit, before, now = new Date() }: { limit: number; before?: string; now?: Date }): Promise<ManifestPage> {
    const jobPrefix = manifestFolderFor(this.manifestPrefix, job);
    const budget = { left: this.maxListsPerPage };
    const oldestRunId = await this.oldestRunId(jobPrefix, job, budget);
    if (!oldestRunId) return { runIds: [], more: false, next: null };
    const floorMonth = monthOf(EARLIEST_RUN_TIME);
    const oldestMonth = maxMonth(monthOf(parseRunId(oldestRunId)?.time ?? EARLIEST_RUN_TIME), floorMonth);
    const latest = now.getTime() + FUTURE_RUN_MARGIN_MS;
    // Run ids have second resolution: the newest id strictly before the cursor is a second earlier.
    const cursorTime = before ? parseRunId(before)?.time : undefined;
    const upper = cursorTime ? Math.min(cursorTime.getTime() - 1000, latest) : latest;
    let month = monthOf(new Date(upper));

    const runIds: string[] = [];
    while (month >= oldestMonth) {
      if (budget.left <= 0) return { runIds, more: true, next: `${job}_${nextMonth(month)}01_000000` };
      const inMonth: string[] = [];
      let marker: string | undefined;
      do {
        budget.left -= 1;
        const page = await this.list(`${jobPrefix}${job}_${month}`, { maxKeys: this.listPageSize, marker });
        for (const key of page.keys) {
          const runId = this.runIdOf(jobPrefix, key);
          if (runId !== null && (before === undefined || runId < before)) inMonth.push(runId);
        }
        marker = page.truncated ? page.keys.at(-1) : undefined;
      } while (marker);
      inMonth.sort().reverse();
      for (const runId of inMonth) {
        if (runIds.length === limit) return { runIds, more: true, next: runIds.at(-1) ?? null };
        runIds.push(runId);
      }
      month = previousMonth(month);
    }
    return { runIds, more: false, next: null };
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
    const parsed = parseManifest(text);
    if ('problem' in parsed) throw new StorageError('storage', 'MANIFEST_INVALID', `manifest s3://${this.bucket}/${key} ${parsed.problem}`);
    return parsed.manifest;
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

  /**
   * The first run id in key order (= the oldest) from EARLIEST_RUN_TIME on, skipping keys that
   * are not a run's manifest. Charged to the call's budget; a prefix holding more non-run keys
   * than the budget can page through is refused rather than listed without end.
   */
  private async oldestRunId(jobPrefix: string, job: string, budget: { left: number }): Promise<string | null> {
    // Keys sort by run time: start after every key older than the floor (`<job>_1999…`).
    let marker: string | undefined = `${jobPrefix}${job}_${monthOf(EARLIEST_RUN_TIME)}`;
    do {
      if (budget.left <= 1) {
        throw new StorageError('storage', 'CATALOG_LIST_BUDGET', `s3://${this.bucket}/${jobPrefix}: no run manifest among the first keys; the prefix holds objects that are not manifests of job "${job}"`);
      }
      budget.left -= 1;
      const page = await this.list(`${jobPrefix}${job}_`, { maxKeys: this.listPageSize, marker });
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

function nextMonth(month: string): string {
  const year = Number(month.slice(0, 4));
  const m = Number(month.slice(4));
  return m === 12 ? `${year + 1}01` : `${year}${String(m + 1).padStart(2, '0')}`;
}

function maxMonth(a: string, b: string): string {
  return a > b ? a : b;
}

function previousMonth(month: string): string {
  const year = Number(month.slice(0, 4));
  const m = Number(month.slice(4));
  return m === 1 ? `${year - 1}12` : `${year}${String(m - 1).padStart(2, '0')}`;
}
