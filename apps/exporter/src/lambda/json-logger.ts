import type { Logger, LogFields } from '@rds-s3-export/export-core';

/** One JSON object per line on stdout/stderr (CloudWatch Logs), with fixed context fields. */
export function jsonLogger(context: LogFields, write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Logger {
  const emit = (level: string) => (message: string, fields: LogFields = {}) =>
    write(JSON.stringify({ level, timestamp: new Date().toISOString(), message, ...context, ...fields }));
  return { debug: emit('DEBUG'), info: emit('INFO'), warn: emit('WARN'), error: emit('ERROR') };
}
