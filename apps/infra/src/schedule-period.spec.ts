import { describe, expect, it } from 'vitest';
import { schedulePeriodSeconds } from './schedule-period.js';

describe('Function: schedulePeriodSeconds', () => {
  it.each([
    ['rate(5 minutes)', 300],
    ['rate(1 hour)', 3600],
    ['rate(12 hours)', 43_200],
    ['rate(2 days)', 172_800],
    ['cron(0 2 * * ? *)', 86_400],
    ['cron(*/15 * * * ? *)', 900],
    ['cron(0 8,20 * * ? *)', 43_200],
    ['cron(0 9-17 * * ? *)', 16 * 3600],
    ['cron(0 6 ? * MON-FRI *)', 7 * 86_400],
    ['cron(0 6 1 * ? *)', 7 * 86_400],
    ['cron(0 6 1 1 ? *)', 31 * 86_400],
  ])('gives the longest gap of %s', (expression, seconds) => {
    expect(schedulePeriodSeconds(expression)).toBe(seconds);
  });

  it('refuses what it cannot read, naming the expression', () => {
    expect(() => schedulePeriodSeconds('every day')).toThrow('"every day" is neither rate(...) nor cron(...)');
    expect(() => schedulePeriodSeconds('cron(0 2 * *)')).toThrow('must have 6 fields');
    expect(() => schedulePeriodSeconds('cron(0 25 * * ? *)')).toThrow('field "25" is out of range');
  });
});
