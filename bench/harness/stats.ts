/** Latency statistics of one batch of calls, in milliseconds. */
export interface LatencyStats {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
  /** Calls completed per second of the batch's wall time (all workers together). */
  readonly opsPerSecond: number;
  /** CPU this process spent per call (µs, user + system): the client-side cost, whatever the machine's load. */
  readonly cpuMicrosPerCall: number;
}

/** The nearest-rank percentile of ascending `sorted` values (p in 0..100). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Summarizes one batch: its latencies (ms), how long the whole batch took, and the process CPU it used (µs). */
export function summarize(latencies: ArrayLike<number>, wallMs: number, cpuMicros: number): LatencyStats {
  const sorted = Float64Array.from(latencies).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    mean: sorted.length > 0 ? sum / sorted.length : Number.NaN,
    max: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : Number.NaN,
    opsPerSecond: wallMs > 0 ? (sorted.length * 1000) / wallMs : Number.NaN,
    cpuMicrosPerCall: sorted.length > 0 ? cpuMicros / sorted.length : Number.NaN,
  };
}

/** The per-field median of several batches' statistics: what a noisy machine's rounds agree on. */
export function medianOfRounds(rounds: readonly LatencyStats[]): LatencyStats {
  const field = (pick: (stats: LatencyStats) => number) => median(rounds.map(pick));
  return {
    count: rounds.reduce((sum, round) => sum + round.count, 0),
    p50: field((round) => round.p50),
    p95: field((round) => round.p95),
    p99: field((round) => round.p99),
    mean: field((round) => round.mean),
    max: Math.max(...rounds.map((round) => round.max)),
    opsPerSecond: field((round) => round.opsPerSecond),
    cpuMicrosPerCall: field((round) => round.cpuMicrosPerCall),
  };
}
