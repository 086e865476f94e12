import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { randomUUID } from 'node:crypto';
import { finished } from 'node:stream/promises';
import type { ObjectSink, ObjectWriteOptions, ObjectWriter } from '../ports.js';
import { ConfigError, SinkError } from '../errors.js';

/**
 * A local folder as an object store (`file:///abs/dir`), for local runs and tests.
 * Each object is written to a hidden temp file beside its final name and renamed into place
 * on completion (atomic on one filesystem); a failed or aborted write removes the temp file.
 * Content type and encoding are not stored (the extension says it).
 */
export class LocalFolderSink implements ObjectSink {
  constructor(private readonly directory: string) {}

  describe(key: string): string {
    return `file://${this.pathOf(key)}`;
  }

  openWriter(key: string, _options: ObjectWriteOptions): ObjectWriter {
    const target = this.pathOf(key);
    const temp = join(dirname(target), `.${randomUUID()}.partial`);
    // Synchronous on purpose: the folder must exist before the write stream opens its file.
    mkdirSync(dirname(target), { recursive: true });
    const stream = createWriteStream(temp, { flags: 'wx' });
    let settled = false;
    const removeTemp = () => rm(temp, { force: true });
    return {
      stream,
      complete: async () => {
        if (settled) throw new SinkError('storage', 'FILE_WRITE_FAILED', `${target}: writer already settled`);
        try {
          await finished(stream);
          await rename(temp, target);
          settled = true;
        } catch (error) {
          await removeTemp();
          throw new SinkError('storage', 'FILE_WRITE_FAILED', `cannot write ${target}: ${messageOf(error)}`, {
            cause: error,
          });
        }
      },
      abort: async () => {
        if (settled) return;
        settled = true;
        stream.destroy();
        await finished(stream).catch(() => undefined);
        await removeTemp();
      },
    };
  }

  async putObject(key: string, body: string | Uint8Array, _options: ObjectWriteOptions): Promise<void> {
    const target = this.pathOf(key);
    const temp = join(dirname(target), `.${randomUUID()}.partial`);
    try {
      await mkdir(dirname(target), { recursive: true });
      await writeFile(temp, body, { flag: 'wx' });
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw new SinkError('storage', 'FILE_WRITE_FAILED', `cannot write ${target}: ${messageOf(error)}`, { cause: error });
    }
  }

  async getObject(key: string): Promise<string | null> {
    const path = this.pathOf(key);
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new SinkError('storage', 'FILE_READ_FAILED', `cannot read ${path}: ${messageOf(error)}`, { cause: error });
    }
  }

  async deleteObject(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async listKeys(prefix: string): Promise<string[]> {
    const root = resolve(this.directory);
    const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
    return entries
      .filter((e) => e.isFile() && !e.name.endsWith('.partial'))
      .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'))
      .filter((key) => key.startsWith(prefix))
      .sort();
  }

  /** For tests and the CLI: a readable stream of a stored object. */
  read(key: string) {
    return createReadStream(this.pathOf(key));
  }

  private pathOf(key: string): string {
    const root = resolve(this.directory);
    const target = resolve(root, key);
    if (!target.startsWith(root + sep)) {
      throw new ConfigError('OBJECT_KEY_INVALID', `object key "${key}" escapes the destination folder ${root}`);
    }
    return target;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
