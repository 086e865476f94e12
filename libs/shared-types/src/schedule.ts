/**
 * Schedule arithmetic for `rate(...)` expressions (what the local demo runs and the dashboard
 * shows as "next run"). `cron(...)` expressions are evaluated by EventBridge Scheduler in AWS;
 * here they return null rather than a guess.
 */
const UNIT_MS: Record<string, number> = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 };

/** Period of a `rate(N unit)` expression in ms, or null for cron expressions. */
export function ratePeriodMs(expression: string): number | null {
  const match = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/.exec(expression.trim());
  if (!match) return null;
  return Number(match[1]) * (UNIT_MS[match[2] as string] as number);
}

/** The slot a rate schedule fires at, at or before `time` (slots are aligned to the epoch, UTC). */
export function rateSlotAtOrBefore(periodMs: number, time: Date): Date {
  return new Date(Math.floor(time.getTime() / periodMs) * periodMs);
}
