/** Humanised sizes, durations and times. Times render in the browser's zone; UTC goes in the title. */

const BYTE_UNITS = ['KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '–';
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatCount(value: number): string {
  return value.toLocaleString();
}

const localFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function formatLocalTime(iso: string): string {
  return localFormat.format(new Date(iso));
}

/** `2026-02-22 10:15:00 UTC` */
export function formatUtc(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `in 3 min`, `5 min ago`, `just now`. */
export function formatRelative(iso: string, now: Date = new Date()): string {
  const diff = new Date(iso).getTime() - now.getTime();
  const abs = Math.abs(diff);
  if (abs < 45_000) return diff >= 0 ? 'in under a minute' : 'just now';
  const [value, unit] = abs < 3_600_000 ? [Math.round(abs / 60_000), 'min'] : abs < 86_400_000 ? [Math.round(abs / 3_600_000), 'h'] : [Math.round(abs / 86_400_000), 'd'];
  return diff >= 0 ? `in ${value} ${unit}` : `${value} ${unit} ago`;
}

const SQL_TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * A cursor value as people read it. Timestamps (the database's text: `2026-01-08 01:25:39.062093+00`)
 * become `2026-01-08 01:25:39.062093 UTC`, every digit of the fraction kept; a non-UTC offset is
 * converted to UTC. Anything else (ids, numbers, text) is shown as it is.
 */
export function formatCursorValue(value: string): string {
  const match = SQL_TIMESTAMP.exec(value.trim());
  if (!match) return value;
  const [, date, time, fraction = '', offset] = match;
  if (offset === undefined) return `${date} ${time}${fraction}`;
  if (/^(Z|[+-]00(:?00)?)$/.test(offset)) return `${date} ${time}${fraction} UTC`;
  const normalized = offset.length === 3 ? `${offset}:00` : offset.includes(':') ? offset : `${offset.slice(0, 3)}:${offset.slice(3)}`;
  const utc = new Date(`${date}T${time}${normalized}`);
  if (Number.isNaN(utc.getTime())) return value;
  return `${utc.toISOString().slice(0, 19).replace('T', ' ')}${fraction} UTC`;
}
