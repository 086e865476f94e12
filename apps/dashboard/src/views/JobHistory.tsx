import { DEFAULT_RUNS_PAGE_SIZE, type RunListItem } from '@rds-s3-export/shared-types';
import { useMemo, useState } from 'react';
import { api } from '../api.js';
import { Empty, ErrorBox, isPermanentError, Loading, RefreshBar, StatusBadge, Time } from '../components/common.js';
import { DownloadButton } from '../components/DownloadButton.js';
import { formatBytes, formatCount, formatCursorValue, formatDuration } from '../format.js';
import { href } from '../router.js';
import { useResource } from '../use-resource.js';

type SortKey = 'time' | 'started' | 'status' | 'rows' | 'bytes' | 'duration';
const COLUMNS: { key: SortKey; label: string; numeric?: boolean }[] = [
  // The slot the run is for (its id), and when it actually ran: a retry or backfill of an old
  // slot runs long after it.
  { key: 'time', label: 'Slot' },
  { key: 'started', label: 'Started' },
  { key: 'status', label: 'Status' },
  { key: 'rows', label: 'Rows', numeric: true },
  { key: 'bytes', label: 'Size', numeric: true },
  { key: 'duration', label: 'Duration', numeric: true },
];

const sortValue: Record<SortKey, (run: RunListItem) => string | number> = {
  time: (run) => run.scheduledAt,
  started: (run) => run.startedAt ?? '',
  status: (run) => run.status,
  rows: (run) => run.rows,
  bytes: (run) => run.bytes,
  duration: (run) => run.durationMs ?? -1,
};

export function JobHistory({ job, pageSize = DEFAULT_RUNS_PAGE_SIZE }: { job: string; pageSize?: number }) {
  // Cursors of the pages before the current one: "Newer" pops, "Older" pushes.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  const runs = useResource(`runs:${job}:${cursor ?? ''}`, () => api.runs(job, { limit: pageSize, cursor }));
  const [sort, setSort] = useState<{ key: SortKey; direction: 'ascending' | 'descending' }>({ key: 'time', direction: 'descending' });

  const sorted = useMemo(() => {
    const list = [...(runs.data?.runs ?? [])];
    const value = sortValue[sort.key];
    list.sort((a, b) => {
      const [x, y] = [value(a), value(b)];
      const order = x < y ? -1 : x > y ? 1 : a.runId < b.runId ? -1 : 1;
      return sort.direction === 'ascending' ? order : -order;
    });
    return list;
  }, [runs.data, sort]);

  // An unknown job (404): nothing to refresh or page through, only the way back.
  const gone = !runs.data && isPermanentError(runs.error);

  const toggle = (key: SortKey) =>
    setSort((current) => ({ key, direction: current.key === key && current.direction === 'descending' ? 'ascending' : 'descending' }));

  return (
    <section aria-labelledby="history-title">
      <nav className="crumbs" aria-label="Breadcrumb">
        <a href={href.jobs()}>Jobs</a> / <span aria-current="page">{job}</span>
      </nav>
      <div className="page-head">
        <h1 id="history-title">Run history: {job}</h1>
        {gone ? null : <RefreshBar updatedAt={runs.updatedAt} refreshing={runs.refreshing} onRefresh={runs.refresh} />}
      </div>
      {runs.error ? <ErrorBox error={runs.error} onRetry={runs.refresh} /> : null}
      {runs.loading ? <Loading what="runs" /> : null}
      {runs.data && runs.data.runs.length === 0 ? <Empty>{emptyMessage(cursor, runs.data.nextCursor)}</Empty> : null}
      {runs.data && runs.data.runs.length > 0 ? (
        <div className="table-wrap">
          <table className="runs">
            <caption className="visually-hidden">Runs of {job}, sortable by column</caption>
            <thead>
              <tr>
                {COLUMNS.map((column) => (
                  <th key={column.key} scope="col" aria-sort={sort.key === column.key ? sort.direction : 'none'} className={column.numeric ? 'num' : undefined}>
                    <button type="button" className="sort" onClick={() => toggle(column.key)}>
                      {column.label}
                      <span aria-hidden="true">{sort.key === column.key ? (sort.direction === 'ascending' ? ' ▲' : ' ▼') : ' ↕'}</span>
                    </button>
                  </th>
                ))}
                <th scope="col">Cursor range</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((run) => (
                <tr key={run.runId}>
                  <td data-label="Slot">
                    <a href={href.run(run.runId)} aria-label={`Run ${run.runId}`}>
                      <Time iso={run.scheduledAt} />
                    </a>
                  </td>
                  <td data-label="Started">
                    <Time iso={run.startedAt} />
                  </td>
                  <td data-label="Status">
                    {/* One grid item in the narrow layout, so the badge keeps its size. */}
                    <span className="status-cell">
                      <StatusBadge status={run.status} />
                      {run.failedAttempts > 0 && run.status === 'committed' ? <span className="muted small"> after {run.failedAttempts} failed</span> : null}
                      {run.status === 'failed' && run.errorCode ? <span className="error-text small"> {run.errorCode}</span> : null}
                    </span>
                  </td>
                  <td data-label="Rows" className="num">
                    {run.status === 'failed' ? '–' : formatCount(run.rows)}
                  </td>
                  <td data-label="Size" className="num">
                    {run.status === 'failed' ? '–' : formatBytes(run.bytes)}
                  </td>
                  <td data-label="Duration" className="num">
                    {formatDuration(run.durationMs)}
                  </td>
                  <td data-label="Cursor range" className="cursor">
                    <CursorRange cursor={run.cursor} status={run.status} />
                  </td>
                  <td data-label="Download">
                    <RunDownload run={run} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {gone ? null : (
        <div className="pager">
          <button type="button" className="secondary" onClick={() => setCursors((list) => list.slice(0, -1))} disabled={cursors.length === 1}>
            ← Newer
          </button>
          <span className="muted">Page {cursors.length}</span>
          <button type="button" className="secondary" onClick={() => setCursors((list) => [...list, runs.data?.nextCursor ?? undefined])} disabled={!runs.data?.nextCursor}>
            Older →
          </button>
        </div>
      )}
    </section>
  );
}

/**
 * The API bounds what one page may search (S3 LISTs), so a page can come back empty and still
 * have a nextCursor: older runs may exist further back, one "Older →" away.
 */
function emptyMessage(cursor: string | undefined, nextCursor: string | null): string {
  if (nextCursor) return 'No runs in this stretch of history; older runs may exist: use Older → to search further back.';
  return cursor ? 'No older runs.' : 'This job has not run yet. Runs appear here as soon as they commit or fail.';
}

/**
 * The incremental window of a run. A failed run committed nothing (whatever its mode), so it has
 * no range; a committed run without a cursor was a full export.
 */
export function CursorRange({ cursor, status = 'committed' }: { cursor: RunListItem['cursor']; status?: RunListItem['status'] }) {
  if (status === 'failed' && (!cursor || (!cursor.from && !cursor.to))) return <span className="muted">none (nothing committed)</span>;
  if (!cursor) return <span className="muted">full export</span>;
  const from = cursor.from ? formatCursorValue(cursor.from.value) : 'start';
  const to = cursor.to ? formatCursorValue(cursor.to.value) : 'no new rows';
  return (
    <span title={`from (${cursor.from ? `${cursor.from.value}, ${cursor.from.key}` : 'start'}] to (${cursor.to ? `${cursor.to.value}, ${cursor.to.key}` : '–'})`}>
      {from} → {to}
    </span>
  );
}

function RunDownload({ run }: { run: RunListItem }) {
  if (run.status !== 'committed') return <a href={href.run(run.runId)}>Details</a>;
  if (run.objects.length === 0) return <span className="muted">no rows</span>;
  if (run.objects.length > 1) return <a href={href.run(run.runId)}>{run.objects.length} files</a>;
  return <DownloadButton runId={run.runId} objectKey={(run.objects[0] as { key: string }).key} />;
}
