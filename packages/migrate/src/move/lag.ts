/** One lag measurement, taken after the target acknowledged a batch of changes. */
export interface LagSample {
  /** When it was taken (ms since the epoch, by this process's clock). */
  readonly at: number;
  /** Now minus the commit time of the last change applied; 0 when a read found nothing left to apply. */
  readonly lagMs: number;
  /** Changes the subscription still holds past what was acknowledged, when the store can tell (else null). */
  readonly backlog: number | null;
  /** Changes in the batch just applied. */
  readonly applied: number;
}

/** The lag of a whole run. */
export interface LagSummary {
  /** Batches measured. */
  readonly samples: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
  /** The last backlog the store reported (null when it cannot count it). */
  readonly lastBacklog: number | null;
}

/** The value at quantile `q` (0–1) of sorted values: nearest rank, as latency percentiles are usually reported. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] as number;
}

/** Collects lag samples (the last `keep`, so a long follow holds bounded memory) and summarises them. */
export class LagRecorder {
  private readonly values: number[] = [];
  private count = 0;
  private lastBacklog: number | null = null;

  constructor(private readonly keep = 100_000) {}

  record(sample: LagSample): void {
    this.count += 1;
    if (sample.backlog !== null) this.lastBacklog = sample.backlog;
    this.values.push(sample.lagMs);
    if (this.values.length > this.keep) this.values.shift();
  }

  summary(): LagSummary {
    const sorted = [...this.values].sort((a, b) => a - b);
    return {
      samples: this.count,
      p50Ms: quantile(sorted, 0.5),
      p99Ms: quantile(sorted, 0.99),
      maxMs: sorted.at(-1) ?? null,
      lastBacklog: this.lastBacklog,
    };
  }
}
