/**
 * What a run would cost as an AWS Lambda invocation. Lambda bills duration x memory, not CPU;
 * but CPU is what limits the duration, because a function gets a share of a vCPU proportional
 * to its memory (1,769 MB = one full vCPU). So the implied billed duration of a run is the
 * larger of what it took here and its CPU time divided by the vCPU share it would get.
 *
 * Assumptions (stated in every report): arm64 (Graviton) price in us-east-1, first pricing
 * tier, Graviton assumed as fast per core as the machine that ran the benchmark; request
 * charge ($0.20 per million invocations) ignored (one invocation exports millions of rows);
 * the database runs elsewhere (RDS), so only the exporter's own CPU counts.
 */

export interface LambdaPricing {
  readonly memoryMb: number;
  /** USD per GB-second. */
  readonly usdPerGbSecond: number;
  /** Memory that buys one full vCPU. */
  readonly mbPerVcpu: number;
  readonly description: string;
}

export const DEFAULT_PRICING: LambdaPricing = Object.freeze({
  memoryMb: 1024,
  usdPerGbSecond: 0.0000133334,
  mbPerVcpu: 1769,
  description:
    'AWS Lambda arm64, us-east-1, $0.0000133334 per GB-second (first tier), 1024 MB = 0.58 vCPU (1,769 MB per vCPU); ' +
    'billed seconds = max(measured time, exporter CPU-seconds / vCPU share); request charge ignored; ' +
    'Graviton assumed as fast per core as this machine',
});

/** Seconds Lambda would bill for a run that took `seconds` here and used `cpuSeconds` of CPU. */
export function impliedBilledSeconds(seconds: number, cpuSeconds: number, pricing: LambdaPricing = DEFAULT_PRICING): number {
  const vcpuShare = Math.min(1, pricing.memoryMb / pricing.mbPerVcpu);
  return Math.max(seconds, cpuSeconds / vcpuShare);
}

/** USD per million rows, given a run's time and CPU for `rows` rows. */
export function lambdaUsdPerMillionRows(
  seconds: number,
  cpuSeconds: number,
  rows: number,
  pricing: LambdaPricing = DEFAULT_PRICING,
): number {
  if (rows <= 0) return Number.NaN;
  const billed = impliedBilledSeconds(seconds, cpuSeconds, pricing);
  return ((billed * (pricing.memoryMb / 1024) * pricing.usdPerGbSecond) * 1_000_000) / rows;
}
