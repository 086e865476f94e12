import type { ExportProgress } from '@rds-s3-export/export-core';

/**
 * Progress on stderr, only when it is a terminal (a log file or CI gets the final line only).
 * Rows are unknown while PostgreSQL's COPY streams; bytes are always known.
 */
export function progressPrinter(stderr: { write(text: string): unknown; isTTY?: boolean }) {
  const tty = stderr.isTTY === true;
  let shown = false;
  return {
    update: (p: ExportProgress) => {
      if (!tty) return;
      const seconds = Math.max(p.elapsedMs / 1000, 0.001);
      const rows = p.rows === null ? '' : `${p.rows.toLocaleString('en-US')} rows, ${Math.round(p.rows / seconds).toLocaleString('en-US')} rows/s, `;
      stderr.write(`\r${rows}${(p.bytes / 1048576).toFixed(1)} MiB, ${(p.bytes / 1048576 / seconds).toFixed(1)} MiB/s, ${seconds.toFixed(0)}s   `);
      shown = true;
    },
    done: () => {
      if (shown) stderr.write('\n');
    },
  };
}
