import { createGzip, type Gzip } from 'node:zlib';

/**
 * zlib level of gzip exports when the caller does not choose one: 1, the fastest.
 *
 * Measured on the benchmark table (1,000,000 employees-like rows, 124 MB of CSV; see
 * tools/bench and the README's performance section): level 1 compresses to 23.5% of the CSV,
 * level 6 (zlib's own default) to 19.9%, but costs about 2.3 CPU-s more per million rows. zlib
 * runs on one libuv thread per stream, so at level 6 it is the slowest stage of the pipeline
 * (slower than the database read it should overlap with), and in a 1024 MB Lambda function (0.58
 * vCPU) it roughly doubles the billed duration of a gzip export. The price is ~18% more bytes
 * stored and scanned: choose 6 (`gzipLevel`) for objects kept for many months, where storage
 * and scanning cost more than the compute saved (break-even is roughly two weeks of S3 Standard).
 */
export const DEFAULT_GZIP_LEVEL = 1;

/**
 * The gzip stage of an export. 64 KiB output chunks (zlib's default is 16 KiB) mean fewer
 * round trips between the zlib thread and the main thread and fewer, larger writes downstream;
 * memLevel 9 (the maximum, 256 KiB more per stream) is a little faster at the same level.
 */
export function createExportGzip(level: number = DEFAULT_GZIP_LEVEL): Gzip {
  return createGzip({ level, memLevel: 9, chunkSize: 64 * 1024 });
}
