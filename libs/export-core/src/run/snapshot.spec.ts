import { describe, expect, it } from 'vitest';
import type { OpenedSource, RowSource } from '../ports.js';
import { CsvDialectSchema } from '@rds-s3-export/shared-types';
import { openAbortable } from './snapshot.js';

const request = { table: 't', dialect: CsvDialectSchema.parse({}) };

describe('Function: openAbortable', () => {
  it('gives up when the deadline aborts a source whose connect never settles (a driver aborted mid-handshake)', async () => {
    // Prepare: a source that hangs forever, as mysql2 did when destroyed during its handshake.
    const hanging: RowSource = { engine: 'mariadb', open: () => new Promise<OpenedSource>(() => undefined) };
    const controller = new AbortController();

    // Act
    const opening = openAbortable(hanging, request, controller.signal);
    setTimeout(() => controller.abort(new Error('the run reached its deadline')), 10);

    // Assess
    await expect(opening).rejects.toThrow('the run reached its deadline');
  });

  it('closes a source that finishes opening after the abort', async () => {
    let closed = 0;
    let finish: (o: OpenedSource) => void = () => undefined;
    const late: RowSource = { engine: 'postgres', open: () => new Promise<OpenedSource>((resolve) => (finish = resolve)) };
    const controller = new AbortController();
    const opening = openAbortable(late, request, controller.signal);
    controller.abort(new Error('deadline'));
    await expect(opening).rejects.toThrow('deadline');
    finish({ close: async () => void closed++ } as unknown as OpenedSource);
    await new Promise((r) => setTimeout(r, 0));
    expect(closed).toBe(1);
  });
});
