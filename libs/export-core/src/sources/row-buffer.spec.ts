import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import type { Row } from '../ports.js';
import { BoundedRowStream, nextFetchSize, rowBytes } from './row-buffer.js';

/** A push-style driver: emits rows while not paused, like mysql2's row events. */
function fakeDriver(rows: Row[]) {
  let next = 0;
  let paused = false;
  let pauses = 0;
  let maxQueuedBytes = 0;
  let stream: BoundedRowStream | undefined;
  const pump = () => {
    while (!paused && next < rows.length) {
      stream?.add(rows[next++] as Row);
      maxQueuedBytes = Math.max(maxQueuedBytes, (stream as unknown as { queuedBytes: number }).queuedBytes);
    }
    if (next === rows.length && !paused) stream?.finish();
  };
  const driver = {
    pause: () => {
      paused = true;
      pauses++;
    },
    resume: () => {
      paused = false;
      setImmediate(pump);
    },
  };
  return {
    driver,
    start: (s: BoundedRowStream) => {
      stream = s;
      setImmediate(pump);
    },
    stats: () => ({ pauses, maxQueuedBytes }),
  };
}

/** A consumer that takes one row per tick. */
function slowSink(seen: Row[]) {
  return new Writable({
    objectMode: true,
    highWaterMark: 1,
    write(row: Row, _encoding, callback) {
      seen.push(row);
      setImmediate(callback);
    },
  });
}

describe('Class: BoundedRowStream', () => {
  it('passes every row once, in order, and pauses the driver once wide rows reach maxBytes', async () => {
    // Prepare: 200 rows of 100 KB against a 1 MB budget
    const rows: Row[] = Array.from({ length: 200 }, (_, i) => [i, 'x'.repeat(100_000)]);
    const driver = fakeDriver(rows);
    const stream = new BoundedRowStream(driver.driver, { maxRows: 2000, maxBytes: 1_000_000 });
    const seen: Row[] = [];

    // Act
    driver.start(stream);
    await pipeline(stream, slowSink(seen));

    // Assess
    expect(seen.map((r) => r[0])).toEqual(rows.map((r) => r[0]));
    expect(driver.stats().pauses).toBeGreaterThan(0);
    expect(driver.stats().maxQueuedBytes).toBeLessThanOrEqual(1_000_000 + 100_008);
  });

  it('pauses on maxRows for narrow rows', async () => {
    // Prepare
    const rows: Row[] = Array.from({ length: 5000 }, (_, i) => [i]);
    const driver = fakeDriver(rows);
    const stream = new BoundedRowStream(driver.driver, { maxRows: 100 });
    const seen: Row[] = [];

    // Act
    driver.start(stream);
    await pipeline(stream, slowSink(seen));

    // Assess
    expect(seen).toHaveLength(5000);
    expect(new Set(seen.map((r) => r[0])).size).toBe(5000);
    expect(driver.stats().pauses).toBeGreaterThan(0);
  });

  it('ends an empty result', async () => {
    const driver = fakeDriver([]);
    const stream = new BoundedRowStream(driver.driver);
    const seen: Row[] = [];
    driver.start(stream);
    await pipeline(stream, slowSink(seen));
    expect(seen).toEqual([]);
  });
});

describe('Function: nextFetchSize', () => {
  it('starts small, then fetches about targetBytes at the last average row size, within 1..maxRows', () => {
    expect(nextFetchSize(0, 0, 4_000_000, 2000)).toBe(16);
    expect(nextFetchSize(16, 16 * 262_144, 4 * 1024 * 1024, 2000)).toBe(16);
    expect(nextFetchSize(100, 10_000, 4_000_000, 2000)).toBe(2000);
    expect(nextFetchSize(1, 50_000_000, 4_000_000, 2000)).toBe(1);
  });
});

describe('Function: rowBytes', () => {
  it('counts string and buffer lengths, 8 for other cells', () => {
    expect(rowBytes(['abc', null, 5, Buffer.alloc(10)] as unknown as Row)).toBe(3 + 8 + 8 + 10);
  });
});
