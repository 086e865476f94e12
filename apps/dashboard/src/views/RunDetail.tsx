import type { LogLine, Manifest } from '@rds-s3-export/shared-types';
import { useMemo, useState, type ReactNode } from 'react';
import { api } from '../api.js';
import { Empty, ErrorBox, isPermanentError, Loading, RefreshBar, StatusBadge, Time } from '../components/common.js';
import { DownloadButton } from '../components/DownloadButton.js';
import { formatBytes, formatCount, formatDuration } from '../format.js';
import { href } from '../router.js';
import { useResource } from '../use-resource.js';
import { CursorRange } from './JobHistory.js';

export function RunDetail({ runId }: { runId: string }) {
  const run = useResource(`run:${runId}`, () => api.run(runId));
  const job = run.data?.job ?? runId.replace(/_\d{8}_\d{6}$/, '');
  return (
    <section aria-labelledby="run-title">
      <nav className="crumbs" aria-label="Breadcrumb">
        <a href={href.jobs()}>Jobs</a> / <a href={href.job(job)}>{job}</a> / <span aria-current="page">{runId}</span>
      </nav>
      <div className="page-head">
        <h1 id="run-title" className="break">
          Run {runId}
        </h1>
        {/* An unknown run (404): nothing to refresh, only the way back. */}
        {!run.data && isPermanentError(run.error) ? null : <RefreshBar updatedAt={run.updatedAt} refreshing={run.refreshing} onRefresh={run.refresh} />}
      </div>
      {run.error ? <ErrorBox error={run.error} onRetry={run.refresh} /> : null}
      {run.loading ? <Loading what="the run" /> : null}
      {run.data ? (
        <>
          <p>
            <StatusBadge status={run.data.status} />
          </p>
          {run.data.failure ? (
            <div className="state state-error" role="note">
              <p>
                <strong>
                  {run.data.status === 'failed' ? 'This run failed' : 'An earlier attempt of this run failed'} (
                  {[run.data.failure.errorClass, run.data.failure.code].filter(Boolean).join('/') || 'unknown'}) at <Time iso={run.data.failure.at} />.
                </strong>{' '}
                {run.data.failure.error}
              </p>
            </div>
          ) : null}
          {run.data.manifest ? <ManifestView runId={runId} manifest={run.data.manifest} /> : <Empty>No manifest: this run committed nothing, so there is nothing to download.</Empty>}
          <LogView lines={run.data.logs} truncated={run.data.logsTruncated} />
        </>
      ) : null}
    </section>
  );
}

function ManifestView({ runId, manifest }: { runId: string; manifest: Manifest }) {
  const source = 'table' in manifest.source ? `table ${manifest.source.table}` : 'custom query';
  return (
    <>
      <h2>Manifest</h2>
      <dl className="facts grid">
        <Fact label="Started">
          <Time iso={manifest.startedAt} />
        </Fact>
        <Fact label="Finished">
          <Time iso={manifest.finishedAt} />
        </Fact>
        <Fact label="Duration">{formatDuration(manifest.durationMs)}</Fact>
        <Fact label="Rows">{formatCount(manifest.rows)}</Fact>
        <Fact label="Size">
          {formatBytes(manifest.bytes)} <span className="muted small">({formatCount(manifest.bytes)} bytes)</span>
        </Fact>
        <Fact label="Source">
          {manifest.engine} {source}
        </Fact>
        <Fact label="Cursor range">
          <CursorRange cursor={manifest.cursor} />
        </Fact>
        {manifest.reconciliation ? (
          <Fact label="Reconciliation">
            {formatCount(manifest.reconciliation.exportedRows)} exported / {formatCount(manifest.reconciliation.sourceRows)} in source
          </Fact>
        ) : null}
        <Fact label="Format">
          CSV ({manifest.csv.delimiter === ',' ? 'comma' : JSON.stringify(manifest.csv.delimiter)}, {manifest.csv.recordDelimiter.toUpperCase()}
          {manifest.csv.header ? ', header' : ''}), {manifest.compression === 'gzip' ? 'gzip' : 'uncompressed'}, times in {manifest.timeZone}
        </Fact>
        <Fact label="Exporter">{manifest.exporterVersion}</Fact>
      </dl>

      <h2>Objects</h2>
      {manifest.objects.length === 0 ? (
        <Empty>No objects: the window had no new rows.</Empty>
      ) : (
        <ul className="objects" aria-label="Objects">
          {manifest.objects.map((object) => (
            <li key={object.key} className="object">
              <code className="break">{object.key}</code>
              <span>
                {formatCount(object.rows)} rows · {formatBytes(object.bytes)}
              </span>
              <span className="small">
                SHA-256 <code className="break checksum">{object.sha256}</code>
              </span>
              <DownloadButton runId={runId} objectKey={object.key} />
            </li>
          ))}
        </ul>
      )}

      <details className="columns">
        <summary>
          {manifest.columns.length} column{manifest.columns.length === 1 ? '' : 's'}
        </summary>
        <ul>
          {manifest.columns.map((column) => (
            <li key={column.name}>
              <code>{column.name}</code> <span className="muted">{column.sourceType}</span>
            </li>
          ))}
        </ul>
      </details>
    </>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

const LEVELS = ['ALL', 'ERROR', 'WARN', 'INFO', 'DEBUG'] as const;

export function LogView({ lines, truncated }: { lines: LogLine[]; truncated: boolean }) {
  const [text, setText] = useState('');
  const [level, setLevel] = useState<(typeof LEVELS)[number]>('ALL');
  const shown = useMemo(() => {
    const needle = text.trim().toLowerCase();
    return lines.filter((line) => {
      if (level !== 'ALL' && line.level !== level) return false;
      if (!needle) return true;
      return `${line.message} ${line.phase ?? ''} ${JSON.stringify(line.fields)}`.toLowerCase().includes(needle);
    });
  }, [lines, text, level]);

  return (
    <>
      <h2 id="logs-title">Log</h2>
      <div className="log-filters" role="search" aria-labelledby="logs-title">
        <label>
          Filter <input type="search" value={text} onChange={(event) => setText(event.target.value)} placeholder="message or field text" />
        </label>
        <label>
          Level{' '}
          <select value={level} onChange={(event) => setLevel(event.target.value as (typeof LEVELS)[number])}>
            {LEVELS.map((option) => (
              <option key={option} value={option}>
                {option === 'ALL' ? 'all' : option}
              </option>
            ))}
          </select>
        </label>
        <span className="muted small" aria-live="polite">
          {shown.length} of {lines.length} lines{truncated ? ' (more lines exist than shown)' : ''}
        </span>
      </div>
      {lines.length === 0 ? (
        <Empty>No log lines for this run.</Empty>
      ) : shown.length === 0 ? (
        <Empty>No line matches the filter.</Empty>
      ) : (
        <ol className="log" aria-label="Log lines">
          {shown.map((line, index) => (
            <li key={`${line.timestamp}-${index}`} className={`log-line level-${line.level.toLowerCase()}`}>
              <Time iso={line.timestamp} />
              <span className="level">{line.level}</span>
              {line.phase ? <span className="phase">{line.phase}</span> : null}
              <span className="message">{line.message}</span>
              {Object.keys(line.fields).length > 0 ? <code className="fields">{compactFields(line.fields)}</code> : null}
            </li>
          ))}
        </ol>
      )}
    </>
  );
}

/** The interesting fields of a line, without the ones every line repeats. */
function compactFields(fields: Record<string, unknown>): string {
  const { service: _service, runId: _runId, job: _job, requestId: _requestId, ...rest } = fields;
  return Object.entries(rest)
    .map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}
