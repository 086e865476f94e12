/**
 * The longest gap, in seconds, between two runs of an EventBridge Scheduler expression: the
 * "schedule period" of the staleness alarm (no committed run within two periods).
 *
 * `rate(N unit)` is exact. For `cron(min hour dom month dow year)` the gap is computed from the
 * minute and hour fields when the job runs every day (`*`/`?` day fields); a cron restricted to
 * some days is taken as weekly (7 days), the longest gap such a cron has in practice, unless the
 * month field is restricted too (then 31 days). Exotic crons can pass an explicit window.
 */
export function schedulePeriodSeconds(expression: string): number {
  const rate = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/.exec(expression.trim());
  if (rate) {
    const unit = { minute: 60, minutes: 60, hour: 3600, hours: 3600, day: 86_400, days: 86_400 }[rate[2] as 'minute'];
    return Number(rate[1]) * unit;
  }
  const cron = /^cron\((.+)\)$/.exec(expression.trim());
  if (!cron?.[1]) throw new Error(`schedule expression "${expression}" is neither rate(...) nor cron(...)`);
  const fields = cron[1].trim().split(/\s+/);
  if (fields.length !== 6) throw new Error(`cron expression "${expression}" must have 6 fields (minutes hours day-of-month month day-of-week year)`);
  const [minutes, hours, dom, month, dow] = fields as [string, string, string, string, string];
  const everyDay = (f: string) => f === '*' || f === '?';
  if (!everyDay(month)) return 31 * 86_400;
  if (!everyDay(dom) || !everyDay(dow)) return 7 * 86_400;
  const mins = expand(minutes, 0, 59, expression);
  const hrs = expand(hours, 0, 23, expression);
  const times = hrs.flatMap((h) => mins.map((m) => h * 3600 + m * 60)).sort((a, b) => a - b);
  let gap = 0;
  times.forEach((t, i) => {
    const next = i + 1 < times.length ? (times[i + 1] as number) : (times[0] as number) + 86_400;
    gap = Math.max(gap, next - t);
  });
  return gap;
}

/** Expands one cron field (`*`, `n`, `a-b`, `a,b`, `*\/n`, `a/n`, `a-b/n`) to its values. */
function expand(field: string, min: number, max: number, expression: string): number[] {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const m = /^(\*|\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Error(`cron expression "${expression}": cannot read field "${field}"`);
    const start = m[1] === '*' ? min : Number(m[1]);
    const end = m[2] !== undefined ? Number(m[2]) : m[1] === '*' || m[3] !== undefined ? max : start;
    const step = m[3] !== undefined ? Number(m[3]) : 1;
    if (start < min || end > max || start > end || step < 1) throw new Error(`cron expression "${expression}": field "${field}" is out of range`);
    for (let v = start; v <= end; v += step) values.add(v);
  }
  return [...values];
}
