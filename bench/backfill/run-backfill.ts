import { MAX_SCAN_LIMIT, recordSetNames, type CohortStore, type Page, type RecordSetName } from '@cohort/core';
import { backfill, verify, type BackfillProgress } from '@cohort/migrate';
import { generatePlatform, type PlatformScale } from '@cohort/testkit/generator';
import { machineNow, type Machine } from '../harness/report.js';
import { loadThroughPutMany, type LoadReport } from '../stores/load.js';
import { writeBackfillResults } from './backfill-report.js';
import { startBackfillServers, type BackfillServers, type StoreKind } from './backfill-stores.js';

/**
 * Nobody watches the benchmark's progress, so it copies as `cohort migrate --no-count` does: a count reads each set
 * a second time, and on DynamoDB Local (one storage thread) those reads take turns with the copy's.
 */
const BENCH_COUNTS_TOTALS = false;

/** The goal: a backfill copies at least half as fast as the target store's own bulk insert (putMany). */
export const BACKFILL_GOAL_RATIO = 0.5;

export interface BackfillBenchOptions {
  readonly scale: PlatformScale;
  readonly seed: number;
  /** Records per putMany while loading the sources (the raw rate) and per backfill batch. */
  readonly loadBatchSize: number;
  readonly loadConcurrency: number;
  /** The backfill's own settings; undefined keeps @cohort/migrate's defaults. */
  readonly backfillBatchSize: number | undefined;
  readonly parallelSets: number | undefined;
  /** Only the direction from this store; both by default. */
  readonly from: StoreKind | undefined;
  readonly out: string;
  readonly log: (line: string) => void;
}

export interface RecordSetRate {
  readonly recordSet: RecordSetName;
  readonly records: number;
  readonly elapsedMs: number;
  readonly rowsPerSecond: number;
}

export interface DirectionResult {
  readonly from: StoreKind;
  readonly to: StoreKind;
  readonly records: number;
  readonly elapsedMs: number;
  readonly rowsPerSecond: number;
  /** putMany rows/s of the target store, measured by loading the platform into it. */
  readonly targetRawRowsPerSecond: number;
  /**
   * How fast the source alone is read: every record set scanned in pages of MAX_SCAN_LIMIT, as many sets at a time as
   * the backfill copies, nothing written. A backfill cannot beat it.
   */
  readonly sourceScanRowsPerSecond: number;
  /** rowsPerSecond ÷ targetRawRowsPerSecond. */
  readonly ratioToRaw: number;
  readonly goalMet: boolean;
  readonly verify: { readonly ok: boolean; readonly elapsedMs: number; readonly differences: number };
  readonly perRecordSet: readonly RecordSetRate[];
}

export interface BackfillResults {
  readonly benchmark: 'backfill';
  readonly scale: PlatformScale;
  readonly seed: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** False while a run is still going (the files are rewritten after each direction). */
  readonly complete: boolean;
  /** The one direction run (`--from`), or undefined for both. */
  readonly from?: StoreKind;
  readonly goalRatio: number;
  readonly settings: {
    readonly loadBatchSize: number;
    readonly loadConcurrency: number;
    readonly backfillBatchSize: number | 'default';
    readonly parallelSets: number | 'default';
    /** Whether the backfill counted each source set beside its copy (progress totals); the benchmark does not. */
    readonly countTotals: boolean;
  };
  readonly machine: Machine;
  readonly servers: Record<StoreKind, string>;
  readonly platform: Record<RecordSetName, number>;
  readonly records: number;
  readonly load: Record<StoreKind, LoadReport>;
  readonly directions: readonly DirectionResult[];
}

const format = new Intl.NumberFormat('en-US');
const rate = (records: number, ms: number) => (ms > 0 ? Math.round((records * 1000) / ms) : 0);

/**
 * Loads a generated platform into PostgreSQL and DynamoDB Local through putMany (each store's raw bulk rate), then
 * backfills each store into a fresh copy of the other, verifies the copy, and writes `<date>-backfill-<scale>.json`
 * and `.md`, named `…-from-<store>` with `--from`. They are rewritten after each direction, so a long run that is
 * stopped still leaves what it measured.
 */
export async function runBackfillBench(
  options: BackfillBenchOptions,
): Promise<{ json: string; markdown: string; verified: boolean }> {
  const { log } = options;
  const started = new Date();
  const loadAverageStart = (await import('node:os')).loadavg()[0] ?? 0;
  const platform = generatePlatform({ seed: options.seed, scale: options.scale });
  const counts = platform.counts();
  const records = Object.values(counts).reduce((sum, count) => sum + count, 0);
  log(`backfill: ${options.scale} platform, ${format.format(records)} records`);

  const servers: BackfillServers = await startBackfillServers(log);
  stopServers = () => servers.stop();
  try {
    // DynamoDB -> PostgreSQL first: the direction the goal is hardest for, measured before the long copy into
    // DynamoDB Local.
    const pairs = (
      [
        ['dynamo', 'postgres'],
        ['postgres', 'dynamo'],
      ] as const
    ).filter(([source]) => options.from === undefined || source === options.from);
    const sources = {} as Record<StoreKind, Awaited<ReturnType<BackfillServers['open']>>>;
    const load = {} as Record<StoreKind, LoadReport>;
    // A source is dropped as soon as no direction still reads it: DynamoDB Local keeps every table in memory, and two
    // copies of the reference platform (~12 GB each) would not fit beside everything else on this machine.
    const dropUnlessRead = async (kind: StoreKind, from: number) => {
      if (pairs.slice(from).some(([source]) => source === kind)) return;
      log(`${kind}: dropping the source copy (no direction left reads it)`);
      await sources[kind].drop();
    };
    for (const kind of ['postgres', 'dynamo'] as const) {
      sources[kind] = await servers.open(kind, 'source');
      log(`${kind}: loading the platform through putMany`);
      load[kind] = await loadThroughPutMany(sources[kind].store.recordSets, platform, {
        batchSize: options.loadBatchSize,
        concurrency: options.loadConcurrency,
        onProgress: (line) => log(`${kind}: ${line}`),
      });
      log(`${kind}: raw putMany ${format.format(load[kind].rowsPerSecond)} rows/s`);
      await dropUnlessRead(kind, 0);
    }

    const directions: DirectionResult[] = [];
    const results = (complete: boolean): BackfillResults => ({
      benchmark: 'backfill',
      scale: options.scale,
      seed: options.seed,
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      complete,
      ...(options.from ? { from: options.from } : {}),
      goalRatio: BACKFILL_GOAL_RATIO,
      settings: {
        loadBatchSize: options.loadBatchSize,
        loadConcurrency: options.loadConcurrency,
        backfillBatchSize: options.backfillBatchSize ?? 'default',
        parallelSets: options.parallelSets ?? 'default',
        countTotals: BENCH_COUNTS_TOTALS,
      },
      machine: machineNow(loadAverageStart),
      servers: servers.labels,
      platform: counts,
      records,
      load,
      directions,
    });
    for (const [index, [from, to]] of pairs.entries()) {
      directions.push(await runDirection(servers, sources[from].store, from, to, load[to].rowsPerSecond, options));
      await writeBackfillResults(options.out, results(false));
      await dropUnlessRead(from, index + 1);
    }
    const files = await writeBackfillResults(options.out, results(true));
    return { ...files, verified: directions.every((direction) => direction.verify.ok) };
  } finally {
    stopServers = null;
    // Stopping a server waits on its process with unref'd timers: hold the event loop open until it is down.
    const holdOpen = setInterval(() => undefined, 1_000);
    await servers.stop().finally(() => clearInterval(holdOpen));
  }
}

/** Stops the servers of a run that is interrupted (SIGINT, SIGTERM). */
export let stopServers: (() => Promise<void>) | null = null;

async function runDirection(
  servers: BackfillServers,
  source: Awaited<ReturnType<BackfillServers['open']>>['store'],
  from: StoreKind,
  to: StoreKind,
  targetRaw: number,
  options: BackfillBenchOptions,
): Promise<DirectionResult> {
  const { log } = options;
  const sourceScan = await scanOnly(source, options.parallelSets ?? DEFAULT_PARALLEL_SETS);
  log(`backfill ${from} -> ${to}: the source alone reads at ${format.format(sourceScan)} rows/s (scan only)`);
  const target = await servers.open(to, 'target');
  try {
    log(`backfill ${from} -> ${to}: copying`);
    let lastLog = performance.now();
    const copied = new Map<RecordSetName, number>();
    const report = await backfill({
      source,
      target: target.store,
      ...(options.backfillBatchSize === undefined ? {} : { batchSize: options.backfillBatchSize }),
      ...(options.parallelSets === undefined ? {} : { parallelSets: options.parallelSets }),
      label: `${from}->${to}`,
      countTotals: BENCH_COUNTS_TOTALS,
      onProgress: (event: BackfillProgress) => {
        if (event.type !== 'batch') return;
        copied.set(event.recordSet, event.copied);
        const now = performance.now();
        if (now - lastLog < 10_000) return;
        lastLog = now;
        const sets = [...copied.entries()].map(([name, count]) => `${name} ${format.format(count)}`).join(', ');
        log(`backfill ${from} -> ${to}: ${sets}`);
      },
    });
    const ratio = Math.round((report.rowsPerSecond / targetRaw) * 100) / 100;
    log(
      `backfill ${from} -> ${to}: ${format.format(report.copied)} records at ${format.format(report.rowsPerSecond)} rows/s ` +
        `(${(report.elapsedMs / 1000).toFixed(1)} s), ${ratio} x the raw putMany of ${to}; verifying`,
    );
    const parity = await verify({ source, target: target.store, recheckDelayMs: 0 });
    log(
      `backfill ${from} -> ${to}: verify ${parity.ok ? 'ok' : 'FOUND DIFFERENCES'} in ${(parity.elapsedMs / 1000).toFixed(1)} s`,
    );
    return {
      from,
      to,
      records: report.copied,
      elapsedMs: report.elapsedMs,
      rowsPerSecond: report.rowsPerSecond,
      targetRawRowsPerSecond: targetRaw,
      sourceScanRowsPerSecond: sourceScan,
      ratioToRaw: ratio,
      goalMet: ratio >= BACKFILL_GOAL_RATIO,
      verify: { ok: parity.ok, elapsedMs: parity.elapsedMs, differences: parity.summary.differences },
      perRecordSet: report.recordSets.map((set) => ({
        recordSet: set.recordSet,
        records: set.copied,
        elapsedMs: set.elapsedMs,
        rowsPerSecond: rate(set.copied, set.elapsedMs),
      })),
    };
  } finally {
    await target.drop();
  }
}

/** @cohort/migrate's default for `parallelSets`. */
const DEFAULT_PARALLEL_SETS = 6;

/** Reads every record set of `store` to the end, `parallel` sets at a time, and returns the records read per second. */
async function scanOnly(store: CohortStore, parallel: number): Promise<number> {
  const started = performance.now();
  const queue = [...recordSetNames];
  let total = 0;
  const worker = async (): Promise<void> => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const set = store.recordSets[name] as { scan(page: { cursor?: string; limit: number }): Promise<Page<unknown>> };
      let cursor: string | null = null;
      do {
        const page: Page<unknown> = await set.scan(
          cursor === null ? { limit: MAX_SCAN_LIMIT } : { cursor, limit: MAX_SCAN_LIMIT },
        );
        total += page.items.length;
        cursor = page.nextCursor;
      } while (cursor !== null);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return rate(total, performance.now() - started);
}
