import type { CasePlan, Side } from '../operations/operation.js';
import { median, medianOfRounds, summarize, type LatencyStats } from './stats.js';

export interface SamplerOptions {
  /** Measured calls per side, spread evenly over the rounds. */
  readonly samples: number;
  /** Rounds; each runs one batch of the adapter and one of the raw driver, the order flipping every round. */
  readonly rounds: number;
  /** Unmeasured calls per side before the first round (JIT, pools, caches). */
  readonly warmup: number;
  /** Callers in flight at once. */
  readonly concurrency: number;
  /**
   * Wall time for the whole row, warm-up included (ms). When set, warm-up stops after a tenth of it and the row takes
   * as many samples as the warm-up's pace fits in what is left (never more than `samples`): for stores too slow to
   * give every row its full count in the run's budget. The result records the count it got.
   */
  readonly budgetMs?: number;
}

/** The fewest samples per round a budgeted row takes, however slow the store. */
const MIN_PER_ROUND = 10;

/** One round: a batch of each side. */
export interface RoundResult {
  readonly first: Side;
  readonly adapter: LatencyStats;
  readonly raw: LatencyStats;
}

export interface CaseMeasurement {
  readonly concurrency: number;
  readonly samplesPerSide: number;
  /** Medians of the rounds' statistics. */
  readonly adapter: LatencyStats;
  readonly raw: LatencyStats;
  /** Median over rounds of adapter ÷ raw, per percentile. */
  readonly ratio: { readonly p50: number; readonly p95: number; readonly p99: number };
  readonly rounds: readonly RoundResult[];
}

/**
 * Measures a case: warm-up, then rounds that interleave the adapter and the raw driver so both see the same machine
 * (a noisy neighbour hurts both sides of a round alike). Call numbers keep counting across `measure` calls, so a
 * write never reuses the data of an earlier one.
 */
export class CaseSampler {
  private readonly next: Record<Side, number> = { adapter: 0, raw: 0 };

  constructor(private readonly plan: CasePlan) {}

  async measure(options: SamplerOptions): Promise<CaseMeasurement> {
    const started = performance.now();
    const pace = await this.warmUp(options);
    let samples = options.samples;
    if (options.budgetMs !== undefined) {
      const left = options.budgetMs - (performance.now() - started);
      const affordable = Math.floor(left / (pace.adapter + pace.raw));
      samples = Math.max(options.rounds * MIN_PER_ROUND, Math.min(samples, affordable));
    }
    const perRound = Math.max(1, Math.ceil(samples / options.rounds));
    const rounds: RoundResult[] = [];
    for (let round = 0; round < options.rounds; round += 1) {
      const order: Side[] = round % 2 === 0 ? ['adapter', 'raw'] : ['raw', 'adapter'];
      const stats: Partial<Record<Side, LatencyStats>> = {};
      for (const side of order) stats[side] = await this.batch(side, perRound, options.concurrency);
      rounds.push({ first: order[0] as Side, adapter: stats.adapter as LatencyStats, raw: stats.raw as LatencyStats });
    }
    const ratioOf = (pick: (stats: LatencyStats) => number) =>
      median(rounds.map((round) => pick(round.adapter) / pick(round.raw)));
    return {
      concurrency: options.concurrency,
      samplesPerSide: perRound * options.rounds,
      adapter: medianOfRounds(rounds.map((round) => round.adapter)),
      raw: medianOfRounds(rounds.map((round) => round.raw)),
      ratio: {
        p50: ratioOf((stats) => stats.p50),
        p95: ratioOf((stats) => stats.p95),
        p99: ratioOf((stats) => stats.p99),
      },
      rounds,
    };
  }

  /**
   * Unmeasured calls of each side, in small batches, until `warmup` calls are made (or, with a budget, a tenth of it
   * is spent). Returns each side's pace: wall ms per call at this concurrency (what a measured batch will take).
   */
  private async warmUp(options: SamplerOptions): Promise<Record<Side, number>> {
    const pace: Record<Side, number> = { adapter: 0, raw: 0 };
    const chunk = Math.max(10, options.concurrency * 2);
    const capMs = options.budgetMs === undefined ? Number.POSITIVE_INFINITY : options.budgetMs / 20;
    // A budgeted row needs one batch at least, to learn its pace.
    const wanted = options.budgetMs === undefined ? options.warmup : Math.max(options.warmup, chunk);
    for (const side of ['adapter', 'raw'] as const) {
      const started = performance.now();
      let calls = 0;
      let wallMs = 0;
      while (calls < wanted && performance.now() - started < capMs) {
        const size = Math.min(chunk, wanted - calls);
        const stats = await this.batch(side, size, options.concurrency, false);
        wallMs += (stats.count * 1000) / stats.opsPerSecond;
        calls += size;
      }
      pace[side] = calls > 0 ? wallMs / calls : 0;
    }
    return pace;
  }

  /** `calls` calls of one side with `concurrency` workers; each call's latency excludes building its input. */
  private async batch(side: Side, calls: number, concurrency: number, collect = true): Promise<LatencyStats> {
    const plan = this.plan;
    await plan.beforeBatch?.(side, calls);
    // Each side pays for its own garbage: collect what the previous batch left before a measured batch starts.
    // (`gc` exists when node runs with --expose-gc, as the bench script does.)
    if (collect) globalThis.gc?.();
    const run = side === 'adapter' ? (input: unknown) => plan.adapter(input) : (input: unknown) => plan.raw(input);
    const latencies = new Float64Array(calls);
    let slot = 0;
    const worker = async (): Promise<void> => {
      while (slot < calls) {
        const mine = slot;
        slot += 1;
        const input = plan.input(this.next[side]++, side);
        const started = performance.now();
        await run(input);
        latencies[mine] = performance.now() - started;
      }
    };
    const cpu = process.cpuUsage();
    const started = performance.now();
    await Promise.all(Array.from({ length: Math.min(concurrency, calls) }, worker));
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return summarize(latencies, wallMs, used.user + used.system);
  }
}
