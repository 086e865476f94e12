/**
 * Order statistics for a handful of repetitions. With 3-5 samples per variant the median is
 * the only robust centre; the spread is reported as min-max and as (max - min) / median, so a
 * noisy run (another job on the machine, a checkpoint in the database) is visible rather
 * than averaged away.
 */

export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** (max - min) / median; 0 for a single sample, NaN when the median is 0. */
  readonly spread: number;
}

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new RangeError('summary of an empty list');
  const m = median(values);
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { n: values.length, median: m, min, max, spread: values.length === 1 ? 0 : (max - min) / m };
}

/**
 * The order of the variants in repetition `rep`: the list rotated by `rep`, so every variant
 * runs early and late and next to different neighbours (interleaved A/B, not all A then all B:
 * a drift of the machine over the session hits every variant alike).
 */
export function rotation<T>(items: readonly T[], rep: number): T[] {
  if (items.length === 0) return [];
  const k = ((rep % items.length) + items.length) % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
