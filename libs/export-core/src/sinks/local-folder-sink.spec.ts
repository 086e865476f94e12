import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalFolderSink } from './local-folder-sink.js';

const CSV = { contentType: 'text/csv; charset=utf-8' };
const KEY = 'rds_exports/employees/dt=2026-02-22/employees_20260222_101200.csv';

let root: string;
let sink: LocalFolderSink;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'local-folder-sink-'));
  sink = new LocalFolderSink(root);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Every file under the folder, as paths relative to it (hidden temp files included). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

function write(stream: NodeJS.WritableStream, chunk: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => stream.write(chunk, (error) => (error ? reject(error) : resolve())));
}

describe('Class: LocalFolderSink', () => {
  it('writes a streamed object and makes it visible only on complete(), leaving no temp file', async () => {
    // Prepare
    const writer = sink.openWriter(KEY, CSV);
    const body = Buffer.from('id,name\n1,"a,b"\n2,😀\n', 'utf8');

    // Act
    await write(writer.stream, body.subarray(0, 10));
    const visibleBeforeComplete = await sink.getObject(KEY);
    writer.stream.end(body.subarray(10));
    await writer.complete();

    // Assess
    expect(visibleBeforeComplete).toBeNull();
    expect((await readFile(join(root, KEY))).equals(body)).toBe(true);
    expect(await filesUnder(root)).toEqual([KEY]);
  });

  it('describes a key as a file:// URL inside the folder', () => {
    expect(sink.describe('a/b.csv')).toBe(`file://${join(root, 'a', 'b.csv')}`);
  });

  it('abort() after a partial write leaves neither the object nor a temp file', async () => {
    // Prepare
    const writer = sink.openWriter(KEY, CSV);
    await write(writer.stream, 'id,name\n1,half');
    const tempFiles = (await filesUnder(root)).filter((f) => basename(f).endsWith('.partial'));

    // Act
    await writer.abort(new Error('source failed'));
    await writer.abort();

    // Assess
    expect(tempFiles).toHaveLength(1);
    expect(await sink.getObject(KEY)).toBeNull();
    expect(await filesUnder(root)).toEqual([]);
  });

  it('abort() straight after opening leaves nothing behind', async () => {
    // Prepare
    const writer = sink.openWriter(KEY, CSV);

    // Act
    await writer.abort();

    // Assess
    expect(await filesUnder(root)).toEqual([]);
  });

  it('refuses complete() after abort() and writes nothing', async () => {
    // Prepare
    const writer = sink.openWriter(KEY, CSV);
    await write(writer.stream, 'partial');
    await writer.abort();

    // Act
    const completing = writer.complete();

    // Assess
    await expect(completing).rejects.toMatchObject({ code: 'FILE_WRITE_FAILED', errorClass: 'storage' });
    expect(await filesUnder(root)).toEqual([]);
  });

  it('replaces an existing object on complete()', async () => {
    // Prepare
    await sink.putObject(KEY, 'old', CSV);
    const writer = sink.openWriter(KEY, CSV);

    // Act
    writer.stream.end('new');
    await writer.complete();

    // Assess
    expect(await sink.getObject(KEY)).toBe('new');
    expect(await filesUnder(root)).toEqual([KEY]);
  });

  it.each(['../escape.csv', 'a/../../escape.csv', '/etc/passwd', '', '.', '../x/y.csv'])(
    'refuses the key %j with OBJECT_KEY_INVALID everywhere',
    async (key) => {
      // Act / Assess
      expect(() => sink.openWriter(key, CSV)).toThrow(expect.objectContaining({ code: 'OBJECT_KEY_INVALID', errorClass: 'config' }));
      await expect(sink.putObject(key, 'x', CSV)).rejects.toMatchObject({ code: 'OBJECT_KEY_INVALID' });
      await expect(sink.getObject(key)).rejects.toMatchObject({ code: 'OBJECT_KEY_INVALID' });
      await expect(sink.deleteObject(key)).rejects.toMatchObject({ code: 'OBJECT_KEY_INVALID' });
      expect(await filesUnder(root)).toEqual([]);
    },
  );

  it('refuses a key that escapes into a sibling folder sharing the name prefix', async () => {
    // Prepare: <root>-evil starts with <root> as a string but is outside it
    const key = `../${basename(root)}-evil/x.csv`;

    // Act / Assess
    expect(() => sink.openWriter(key, CSV)).toThrow(/escapes the destination folder/);
    await expect(sink.putObject(key, 'x', CSV)).rejects.toMatchObject({ code: 'OBJECT_KEY_INVALID' });
  });

  it('round-trips putObject, getObject and deleteObject', async () => {
    // Prepare
    const key = '_manifests/employees/employees_20260222_101200.json';
    const body = JSON.stringify({ runId: 'employees_20260222_101200', note: 'é😀' });

    // Act
    await sink.putObject(key, body, { contentType: 'application/json' });
    const read = await sink.getObject(key);
    await sink.putObject(key, new TextEncoder().encode('{"v":2}'), { contentType: 'application/json' });
    const overwritten = await sink.getObject(key);
    await sink.deleteObject(key);
    const afterDelete = await sink.getObject(key);

    // Assess
    expect(read).toBe(body);
    expect(overwritten).toBe('{"v":2}');
    expect(afterDelete).toBeNull();
    expect(await filesUnder(root)).toEqual([]);
  });

  it('returns null for a missing key and deletes a missing key without error', async () => {
    // Act
    const missing = await sink.getObject('nope/missing.json');
    await sink.deleteObject('nope/missing.json');

    // Assess
    expect(missing).toBeNull();
    expect(await filesUnder(root)).toEqual([]);
  });

  it('reports an unreadable key as FILE_READ_FAILED', async () => {
    // Prepare: a directory where the object should be
    await sink.putObject('dir/inner.json', '{}', CSV);

    // Act / Assess
    await expect(sink.getObject('dir')).rejects.toMatchObject({ code: 'FILE_READ_FAILED', errorClass: 'storage' });
  });

  it('streams a stored object back with read()', async () => {
    // Prepare
    await writeFile(join(root, 'plain.csv'), 'a,b\n');
    const chunks: Buffer[] = [];

    // Act
    for await (const chunk of sink.read('plain.csv')) chunks.push(chunk as Buffer);

    // Assess
    expect(Buffer.concat(chunks).toString('utf8')).toBe('a,b\n');
  });
});
