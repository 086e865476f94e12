import type { JobHealth } from '@rds-s3-export/shared-types';
import type { ReactNode } from 'react';
import { formatLocalTime, formatRelative, formatUtc } from '../format.js';

/** A time in the browser's zone; UTC on hover (title) and in the machine-readable attribute. */
export function Time({ iso, relative = false }: { iso: string | null | undefined; relative?: boolean }) {
  if (!iso) return <span className="muted">–</span>;
  return (
    <time dateTime={iso} title={formatUtc(iso)}>
      {relative ? formatRelative(iso) : formatLocalTime(iso)}
    </time>
  );
}

const HEALTH_LABEL: Record<JobHealth, string> = { ok: 'OK', failing: 'Failing', stale: 'Stale', 'never-run': 'Never run' };

export function HealthBadge({ health }: { health: JobHealth }) {
  return <span className={`badge badge-${health}`}>{HEALTH_LABEL[health]}</span>;
}

export function StatusBadge({ status }: { status: 'committed' | 'failed' | 'running' }) {
  return <span className={`badge badge-${status}`}>{status === 'committed' ? 'Committed' : status === 'failed' ? 'Failed' : 'Running'}</span>;
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="state state-loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/** Answers that trying again cannot change (unknown job or run, a bad request). */
const PERMANENT_STATUSES = new Set([400, 404]);

/** An API answer that trying again (or refreshing) cannot change. */
export function isPermanentError(error: Error | undefined): boolean {
  const status = (error as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && PERMANENT_STATUSES.has(status);
}

export function ErrorBox({ error, onRetry }: { error: Error; onRetry?: () => void }) {
  const code = (error as { code?: unknown }).code;
  const permanent = isPermanentError(error);
  return (
    <div className="state state-error" role="alert">
      <p>
        <strong>Could not load this page.</strong> {error.message}
        {typeof code === 'string' ? <span className="muted"> ({code})</span> : null}
      </p>
      {permanent ? (
        <p>
          <a href="#/">Back to the jobs</a>
        </p>
      ) : onRetry ? (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state state-empty">{children}</p>;
}

/** "Updated 10:15:00 · Refresh": the auto-refresh made visible, plus a manual trigger. */
export function RefreshBar({ updatedAt, refreshing, onRefresh }: { updatedAt: Date | undefined; refreshing: boolean; onRefresh: () => void }) {
  return (
    <div className="refresh">
      <span className="muted" aria-live="polite">
        {refreshing ? 'Refreshing…' : updatedAt ? `Updated ${updatedAt.toLocaleTimeString()} · refreshes every 30\u00a0s` : ''}
      </span>
      <button type="button" className="secondary" onClick={onRefresh} disabled={refreshing}>
        Refresh
      </button>
    </div>
  );
}
