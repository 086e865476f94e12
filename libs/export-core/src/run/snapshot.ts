/**
 * Opening a source's snapshot and the checks made on it before any byte is written: the deadline
 * can abandon a hanging connect, the user's extra privileges are logged once, and the columns are
 * compared with the previous committed run's.
 */
import type { ManifestColumn } from '@rds-s3-export/shared-types';
import type { Logger, OpenedSource, RowSource, SourceRequest } from '../ports.js';
import { ConfigError } from '../errors.js';
import { LEAST_PRIVILEGE_DOCS } from '../sources/privilege-policy.js';

/** The columns of the previous committed run (its manifest), which this run must match. */
export interface ExpectedColumns {
  readonly runId: string;
  readonly columns: readonly ManifestColumn[];
}

/**
 * Opens a source, but gives up as soon as `signal` aborts (the deadline guard): a driver that is
 * aborted mid-handshake may never settle its connect promise. The source destroys its
 * connection on abort itself; if the open still completes later, the opened source is closed.
 */
export function openAbortable(source: RowSource, request: SourceRequest, signal: AbortSignal | undefined): Promise<OpenedSource> {
  const opening = source.open(request, signal);
  if (!signal) return opening;
  return new Promise<OpenedSource>((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason ?? new Error('aborted'));
      opening.then((o) => o.close(), () => undefined);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    opening.then(
      (o) => {
        // After an abort the promise is already rejected and onAbort closes the source.
        signal.removeEventListener('abort', onAbort);
        resolve(o);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** The user's privileges beyond reading, as one warning (see sources/privilege-policy.ts). */
export function warnPrivileges(logger: Logger, opened: OpenedSource, fields: Record<string, unknown>): void {
  const findings = opened.privilegeFindings ?? [];
  if (findings.length === 0) return;
  logger.warn('the database user holds more than read privileges', {
    ...fields,
    phase: 'open',
    privileges: findings,
    advice: `export as a user that may only SELECT the exported tables (${LEAST_PRIVILEGE_DOCS})`,
  });
}

/** The columns as a manifest records them. */
export function manifestColumns(opened: Pick<OpenedSource, 'columns'>): ManifestColumn[] {
  // `kind` with the type: the Glue mapping after the run needs it (BLOB/VARBINARY are `binary`).
  return opened.columns.map((c) => ({ name: c.name, sourceType: c.sourceType, kind: c.kind }));
}

/** Names exactly what changed between the previous committed run's columns and these (SCHEMA_CHANGED). */
export function assertSameColumns(expected: ExpectedColumns, actual: readonly ManifestColumn[]): void {
  const before = new Map(expected.columns.map((c) => [c.name, c.sourceType]));
  const after = new Map(actual.map((c) => [c.name, c.sourceType]));
  const removed = [...before.keys()].filter((n) => !after.has(n));
  const added = [...after.keys()].filter((n) => !before.has(n));
  const retyped = [...before].filter(([n, t]) => after.has(n) && after.get(n) !== t).map(([n, t]) => `${n} (${t} -> ${after.get(n)})`);
  const reordered = removed.length === 0 && added.length === 0 && expected.columns.some((c, i) => actual[i]?.name !== c.name);
  if (removed.length || added.length || retyped.length || reordered) {
    const parts = [
      removed.length ? `removed ${removed.join(', ')}` : '',
      added.length ? `added ${added.join(', ')}` : '',
      retyped.length ? `retyped ${retyped.join(', ')}` : '',
      reordered ? 'reordered' : '',
    ].filter(Boolean);
    throw new ConfigError(
      'SCHEMA_CHANGED',
      `the source's columns changed since run ${expected.runId}: ${parts.join('; ')}. ` +
        'Nothing was exported; declare the new columns in the job (or run once with acceptSchemaChange) to go on.',
    );
  }
}
