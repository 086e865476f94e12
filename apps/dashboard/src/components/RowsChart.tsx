import type { JobOverview } from '@rds-s3-export/shared-types';
import { formatCount, formatUtc } from '../format.js';

const WIDTH = 240;
const HEIGHT = 48;

/** Rows per run, oldest left; failed runs as a short red mark. Plain SVG, no chart library. */
export function RowsChart({ runs }: { runs: JobOverview['recentRuns'] }) {
  if (runs.length === 0) return null;
  const ordered = [...runs].reverse();
  const max = Math.max(1, ...ordered.map((run) => run.rows));
  const slot = WIDTH / Math.max(ordered.length, 10);
  const bar = Math.max(2, slot * 0.7);
  const total = ordered.reduce((sum, run) => sum + run.rows, 0);
  const label = `Rows per run, last ${ordered.length} runs: ${ordered.map((run) => (run.status === 'failed' ? 'failed' : formatCount(run.rows))).join(', ')}`;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" height={HEIGHT} role="img" aria-label={label} preserveAspectRatio="none">
        <line x1="0" y1={HEIGHT - 0.5} x2={WIDTH} y2={HEIGHT - 0.5} className="chart-axis" />
        {ordered.map((run, index) => {
          const height = run.status === 'failed' ? 6 : Math.max(1, (run.rows / max) * (HEIGHT - 4));
          return (
            <rect key={run.runId} x={index * slot + (slot - bar) / 2} y={HEIGHT - height} width={bar} height={height} className={run.status === 'failed' ? 'chart-bar-failed' : 'chart-bar'}>
              <title>{`${formatUtc(run.scheduledAt)}: ${run.status === 'failed' ? 'failed' : `${formatCount(run.rows)} rows`}`}</title>
            </rect>
          );
        })}
      </svg>
      <figcaption className="muted">
        Rows per run (last {ordered.length}): {formatCount(total)} total, max {formatCount(max)}
      </figcaption>
    </figure>
  );
}
