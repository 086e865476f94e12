import type { ChunkProgress, ExportProgress } from '@rds-s3-export/export-core';
import type { ProgressMode } from './parse-args.js';

type Stderr = { write(text: string): unknown; isTTY?: boolean; columns?: number };

export interface ProgressReporter {
  readonly update: (progress: ExportProgress) => void;
  /** Ends the live line (clears it on a terminal, so the outcome line stands alone). */
  readonly done: () => void;
}

export interface LineOptions {
  /** The stored bytes are gzip-compressed. */
  readonly gzip: boolean;
}

/** Running chunks named in the live line; more are summarised as "+N". */
const RUNNING_CHUNKS_SHOWN = 4;

/**
 * Progress on stderr. `auto` shows the live line only on a terminal (a log file or CI gets the
 * outcome line only); `tty` forces it; `json` writes one object per line for tools; `none` and
 * --quiet write nothing.
 */
export function progressReporter(mode: ProgressMode, stderr: Stderr, options: LineOptions = { gzip: false }): ProgressReporter {
  const effective = mode === 'auto' ? (stderr.isTTY === true ? 'tty' : 'none') : mode;
  if (effective === 'json') {
    return { update: (p) => stderr.write(`${JSON.stringify(progressEvent(p))}\n`), done: () => undefined };
  }
  if (effective === 'none') return { update: () => undefined, done: () => undefined };
  let shown = false;
  return {
    update: (p) => {
      // \r and "erase to end of line": the line is rewritten in place, shorter text leaves no tail.
      // Cut to the terminal's width: a wrapped line could not be rewritten in place.
      const line = progressLine(p, options);
      const width = stderr.columns;
      stderr.write(`\r\x1b[K${width && width > 1 && line.length >= width ? `${line.slice(0, width - 2)}…` : line}`);
      shown = true;
    },
    done: () => {
      if (shown) stderr.write('\r\x1b[K');
      shown = false;
    },
  };
}

/**
 * One line a person reads, e.g.
 * `1,200,000 / 2,000,000 rows (60.0%), 150,000 rows/s, read 126.1 MiB, wrote 40.2 MiB gzip, 8s, ETA 5s`.
 */
export function progressLine(p: ExportProgress, options: LineOptions = { gzip: false }): string {
  const s = stats(p);
  const parts: string[] = [];
  if (p.rows === null) parts.push('rows: counted at the end');
  else if (p.totalRows !== undefined) parts.push(`${thousands(p.rows)} / ${thousands(p.totalRows)} rows (${percentText(s.percent)})`);
  else parts.push(`${thousands(p.rows)} rows`);
  if (s.rowsPerSecond !== null) parts.push(`${thousands(s.rowsPerSecond)} rows/s`);
  // With gzip the CSV read and the bytes stored differ; both are said, and which is which.
  if (options.gzip) parts.push(`read ${mib(p.csvBytes ?? p.bytes)}`, `wrote ${mib(p.bytes)} gzip`);
  else parts.push(`${mib(p.bytes)} written`);
  parts.push(duration(p.elapsedMs));
  if (s.etaMs !== null) parts.push(`ETA ${duration(s.etaMs)}`);
  if (p.chunks) parts.push(chunkText(p.chunks));
  return parts.join(', ');
}

/** The JSON progress event: the same figures as the live line, as numbers. */
export function progressEvent(p: ExportProgress) {
  const s = stats(p);
  return {
    event: 'progress',
    rows: p.rows,
    totalRows: p.totalRows ?? null,
    percent: s.percent === null ? null : Math.round(s.percent * 10) / 10,
    rowsPerSecond: s.rowsPerSecond,
    csvBytes: p.csvBytes ?? p.bytes,
    bytes: p.bytes,
    elapsedMs: p.elapsedMs,
    etaMs: s.etaMs,
    ...(p.chunks ? { chunks: p.chunks } : {}),
  };
}

function stats(p: ExportProgress) {
  const seconds = p.elapsedMs / 1000;
  const rows = p.rows;
  const total = p.totalRows;
  const percent = rows !== null && total !== undefined ? (total === 0 ? 100 : Math.min(100, (rows / total) * 100)) : null;
  const rowsPerSecond = rows !== null && seconds > 0 ? Math.round(rows / seconds) : null;
  // ETA from the average rate so far: steady for a streaming export, and absent until rows flow.
  const etaMs = rows !== null && total !== undefined && rows > 0 && seconds > 0 ? Math.max(0, Math.round(((total - rows) / rows) * p.elapsedMs)) : null;
  return { percent, rowsPerSecond, etaMs };
}

function chunkText(chunks: readonly ChunkProgress[]): string {
  const done = chunks.filter((c) => c.state === 'done').length;
  const running = chunks.filter((c) => c.state === 'running');
  const shown = running.slice(0, RUNNING_CHUNKS_SHOWN).map((c) => `#${c.chunk} ${c.totalRows ? percentText((c.rows / c.totalRows) * 100) : `${thousands(c.rows)} rows`}`);
  if (running.length > RUNNING_CHUNKS_SHOWN) shown.push(`+${running.length - RUNNING_CHUNKS_SHOWN}`);
  return `chunks ${done}/${chunks.length} done${shown.length ? ` (${shown.join(', ')})` : ''}`;
}

export function thousands(n: number): string {
  return n.toLocaleString('en-US');
}

function percentText(percent: number | null): string {
  return percent === null ? '?%' : `${Math.min(100, percent).toFixed(1)}%`;
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

/** 8s, 2m05s, 1h02m. */
export function duration(ms: number): string {
  const total = Math.round(ms / 1000);
  if (total < 60) return `${total}s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes}m${String(total % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
