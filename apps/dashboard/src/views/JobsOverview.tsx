import type { JobOverview } from '@rds-s3-export/shared-types';
import { api } from '../api.js';
import { Empty, ErrorBox, HealthBadge, Loading, RefreshBar, StatusBadge, Time } from '../components/common.js';
import { RowsChart } from '../components/RowsChart.js';
import { formatBytes, formatCount, formatDuration } from '../format.js';
import { href } from '../router.js';
import { useResource } from '../use-resource.js';

export function JobsOverview() {
  const jobs = useResource('jobs', api.jobs);
  return (
    <section aria-labelledby="jobs-title">
      <div className="page-head">
        <h1 id="jobs-title">Jobs</h1>
        <RefreshBar updatedAt={jobs.updatedAt} refreshing={jobs.refreshing} onRefresh={jobs.refresh} />
      </div>
      {jobs.error ? <ErrorBox error={jobs.error} onRetry={jobs.refresh} /> : null}
      {jobs.loading ? <Loading what="jobs" /> : null}
      {jobs.data && jobs.data.jobs.length === 0 ? <Empty>No jobs in the catalog. Add one under libs/jobs/src/catalog/.</Empty> : null}
      {jobs.data && jobs.data.jobs.length > 0 ? (
        <ul className="cards">
          {jobs.data.jobs.map((job) => (
            <li key={job.name}>
              <JobCard job={job} />
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function JobCard({ job }: { job: JobOverview }) {
  const last = job.lastRun;
  return (
    <article className={`card card-${job.health}`} aria-labelledby={`job-${job.name}`}>
      <header className="card-head">
        <h2 id={`job-${job.name}`}>
          <a href={href.job(job.name)}>{job.name}</a>
        </h2>
        <HealthBadge health={job.health} />
      </header>
      <p className="muted small">
        {job.engine} {job.source} · {job.schedule ? job.schedule.expression : 'no schedule'}
      </p>
      <p className="health-reason">{job.healthReason}</p>
      <dl className="facts">
        <div>
          <dt>Last run</dt>
          <dd>
            {last ? (
              <>
                <a href={href.run(last.runId)}>
                  <Time iso={last.finishedAt ?? last.scheduledAt} relative />
                </a>{' '}
                <StatusBadge status={last.status} />
              </>
            ) : (
              <span className="muted">never</span>
            )}
          </dd>
        </div>
        {last && last.status === 'committed' ? (
          <div>
            <dt>Exported</dt>
            <dd>
              {formatCount(last.rows)} rows · {formatBytes(last.bytes)} · {formatDuration(last.durationMs)}
            </dd>
          </div>
        ) : null}
        {last && last.status === 'failed' ? (
          // Label above the text: a long error gets the card's whole width, not the value column.
          <div className="fact-wide">
            <dt>Error</dt>
            <dd className="error-text" title={last.error ?? undefined}>
              {[last.errorClass, last.errorCode].filter(Boolean).join('/')} {last.error}
            </dd>
          </div>
        ) : null}
        <div>
          <dt>Next run</dt>
          <dd>{job.nextRunAt ? <Time iso={job.nextRunAt} relative /> : <span className="muted">{job.schedule ? 'per cron schedule' : 'not scheduled'}</span>}</dd>
        </div>
      </dl>
      <RowsChart runs={job.recentRuns} />
      <a className="button-link" href={href.job(job.name)}>
        Run history
      </a>
    </article>
  );
}
