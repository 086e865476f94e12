import { describe, expect, it } from 'vitest';
import type { Manifest } from '@rds-s3-export/shared-types';
import { duration, progressEvent, progressLine, progressReporter } from './progress.js';
import { summary } from './main.js';

describe('Function: progressLine', () => {
  it('says rows of the total, percentage, rate, bytes written, elapsed and ETA', () => {
    const line = progressLine({ rows: 1_200_000, totalRows: 2_000_000, bytes: 131_072_000, csvBytes: 131_072_000, elapsedMs: 8_000 });
    expect(line).toBe('1,200,000 / 2,000,000 rows (60.0%), 150,000 rows/s, 125.0 MiB written, 8s, ETA 5s');
  });

  it('with gzip says the CSV read and the compressed bytes written apart', () => {
    const line = progressLine({ rows: 500, totalRows: 1000, bytes: 1048576, csvBytes: 10 * 1048576, elapsedMs: 65_000 }, { gzip: true });
    expect(line).toBe('500 / 1,000 rows (50.0%), 8 rows/s, read 10.0 MiB, wrote 1.0 MiB gzip, 1m05s, ETA 1m05s');
  });

  it('leaves out what is not known yet (no total, no rows, no time)', () => {
    expect(progressLine({ rows: 10, bytes: 0, elapsedMs: 0 })).toBe('10 rows, 0.0 MiB written, 0s');
    expect(progressLine({ rows: null, bytes: 2 * 1048576, elapsedMs: 2000 })).toBe('rows: counted at the end, 2.0 MiB written, 2s');
    expect(progressLine({ rows: 0, totalRows: 0, bytes: 0, elapsedMs: 1000 })).toBe('0 / 0 rows (100.0%), 0 rows/s, 0.0 MiB written, 1s');
  });

  it('shows per-chunk completion of a parallel export, the running chunks by percentage', () => {
    const chunk = (n: number, rows: number, state: 'waiting' | 'running' | 'done', totalRows = 100) => ({ chunk: n, rows, totalRows, state });
    const line = progressLine({
      rows: 350,
      totalRows: 800,
      bytes: 0,
      elapsedMs: 1000,
      chunks: [chunk(1, 100, 'done'), chunk(2, 100, 'done'), chunk(3, 50, 'running'), chunk(4, 25, 'running'), chunk(5, 1, 'running'), chunk(6, 2, 'running'), chunk(7, 3, 'running'), { chunk: 8, rows: 0, state: 'waiting' }],
    });
    expect(line).toMatch(/, chunks 2\/8 done \(#3 50\.0%, #4 25\.0%, #5 1\.0%, #6 2\.0%, \+1\)$/);
  });
});

describe('Function: progressEvent', () => {
  it('carries the same figures as numbers, null where unknown', () => {
    expect(progressEvent({ rows: 250, totalRows: 1000, bytes: 100, csvBytes: 400, elapsedMs: 2000 })).toEqual({
      event: 'progress',
      rows: 250,
      totalRows: 1000,
      percent: 25,
      rowsPerSecond: 125,
      csvBytes: 400,
      bytes: 100,
      elapsedMs: 2000,
      etaMs: 6000,
    });
    expect(progressEvent({ rows: null, bytes: 7, elapsedMs: 0 })).toMatchObject({ rows: null, totalRows: null, percent: null, rowsPerSecond: null, etaMs: null, csvBytes: 7 });
  });
});

describe('Function: progressReporter', () => {
  const capture = (isTTY?: boolean) => {
    const out = { text: '', isTTY, write: (s: string) => (out.text += s) };
    return out;
  };
  const p = { rows: 1, totalRows: 2, bytes: 3, elapsedMs: 1000 };

  it('auto: rewrites one line on a terminal and clears it at the end; silent otherwise', () => {
    const tty = capture(true);
    const live = progressReporter('auto', tty);
    live.update(p);
    live.update(p);
    live.done();
    expect(tty.text).toBe(`\r\x1b[K${progressLine(p)}\r\x1b[K${progressLine(p)}\r\x1b[K`);

    const pipe = capture(false);
    const quiet = progressReporter('auto', pipe);
    quiet.update(p);
    quiet.done();
    expect(pipe.text).toBe('');
  });

  it('cuts the line to the terminal width, so it can be rewritten in place', () => {
    const narrow = { text: '', isTTY: true, columns: 20, write: (s: string) => (narrow.text += s) };
    progressReporter('auto', narrow).update(p);
    expect(narrow.text).toBe(`\r\x1b[K${progressLine(p).slice(0, 18)}…`);
    expect(narrow.text.length - '\r\x1b[K'.length).toBeLessThan(20);
  });

  it('tty forces the line, json writes one object per line, none writes nothing', () => {
    const forced = capture(false);
    progressReporter('tty', forced).update(p);
    expect(forced.text).toBe(`\r\x1b[K${progressLine(p)}`);

    const json = capture(true);
    const reporter = progressReporter('json', json);
    reporter.update(p);
    reporter.update({ ...p, rows: 2 });
    reporter.done();
    expect(json.text.split('\n').filter(Boolean).map((l) => JSON.parse(l).rows)).toEqual([1, 2]);

    const none = capture(true);
    progressReporter('none', none).update(p);
    expect(none.text).toBe('');
  });
});

describe('Function: duration', () => {
  it('reads as seconds, minutes or hours', () => {
    expect([duration(400), duration(59_400), duration(125_000), duration(3_725_000)]).toEqual(['0s', '59s', '2m05s', '1h02m']);
  });
});

describe('Function: summary', () => {
  const manifest = (keys: string[], compression: 'none' | 'gzip' = 'none') =>
    ({ rows: 2_000_000, bytes: 263_509_303, durationMs: 8_140, compression, objects: keys.map((key) => ({ key, rows: 1, bytes: 1, sha256: '' })) }) as unknown as Manifest;
  const where = (key: string) => `s3://b/${key}`;

  it('uses thousands separators and names the one object', () => {
    expect(summary(manifest(['x/a.csv']), where)).toBe('exported 2,000,000 rows (263,509,303 bytes) in 8.1s to s3://b/x/a.csv');
    expect(summary(manifest(['x/a.csv.gz'], 'gzip'), where)).toBe('exported 2,000,000 rows (263,509,303 bytes gzip) in 8.1s to s3://b/x/a.csv.gz');
  });

  it('names every part of a split export, one per line', () => {
    const keys = [1, 2, 3].map((n) => `x/a_part000${n}.csv`);
    expect(summary(manifest(keys), where)).toBe(
      'exported 2,000,000 rows (263,509,303 bytes) in 8.1s to 3 objects:\n  s3://b/x/a_part0001.csv\n  s3://b/x/a_part0002.csv\n  s3://b/x/a_part0003.csv',
    );
  });

  it('names the folder and the count when there are many parts', () => {
    const keys = Array.from({ length: 12 }, (_, i) => `rds_exports/a/dt=2026-02-22/a_20260222_101200_part${String(i + 1).padStart(4, '0')}.csv`);
    expect(summary(manifest(keys), where)).toBe(
      'exported 2,000,000 rows (263,509,303 bytes) in 8.1s to 12 objects in s3://b/rds_exports/a/dt=2026-02-22/ (a_20260222_101200_part0001.csv … a_20260222_101200_part0012.csv)',
    );
  });

  it('says when an empty window wrote no data object', () => {
    expect(summary({ ...manifest([]), rows: 0 } as Manifest, where)).toBe('exported 0 rows (263,509,303 bytes) in 8.1s: no data object (empty window)');
  });
});
