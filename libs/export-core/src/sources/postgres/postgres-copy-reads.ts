/**
 * A COPY TO STDOUT stream (pg-copy-streams) read by pull: `next()` resolves the next chunk the
 * stream has, or null at its end, and does not read ahead, so while the Parquet writer is busy
 * the stream's own backpressure holds the socket. Shared by the text and binary cell readers.
 */
import type { Readable } from 'node:stream';

export interface CopyReads {
  /** The next chunk, or null once the stream has ended; rejects with the stream's error. */
  next(): Promise<Buffer | null>;
  /** The stream's failure so far, if any. */
  readonly failure: Error | undefined;
  /** Whether the stream has ended. */
  readonly ended: boolean;
  /** Stops the stream; a pending or later `next` rejects with `error` (or a premature-close error). */
  destroy(error?: Error): void;
}

const prematureClose = (message: string) => Object.assign(new Error(message), { code: 'ERR_STREAM_PREMATURE_CLOSE' });

export function copyReads(copy: Readable): CopyReads {
  let failure: Error | undefined;
  let ended = false;
  copy.once('end', () => (ended = true));
  copy.on('error', (error: Error) => (failure ??= error));

  return {
    get failure() {
      return failure;
    },
    get ended() {
      return ended;
    },
    async next(): Promise<Buffer | null> {
      for (;;) {
        if (failure) throw failure;
        const read = copy.read() as Buffer | null;
        if (read !== null) return read;
        if (ended || copy.readableEnded) return null;
        await new Promise<void>((resolve) => {
          const settle = () => {
            copy.off('readable', settle);
            copy.off('end', settle);
            copy.off('error', settle);
            copy.off('close', settle);
            resolve();
          };
          copy.on('readable', settle);
          copy.on('end', settle);
          copy.on('error', settle);
          copy.on('close', settle);
        });
        if (!failure && !ended && copy.destroyed) failure = prematureClose('the COPY stream closed before its end');
      }
    },
    destroy(error?: Error) {
      if (ended) return;
      failure ??= error ?? prematureClose('the cell reader closed before its end');
      copy.destroy();
    },
  };
}
