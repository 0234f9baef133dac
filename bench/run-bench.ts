// The benchmark runner: `npm run bench -- --scale small|reference [--adapter postgres|dynamo|all]`, or the backfill
// throughput with `--backfill`. See bench/README.md.
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CaseSampler } from './harness/sampler.js';
import {
  adapterLabels,
  checkTargets,
  machineNow,
  toMarkdown,
  updateReadme,
  writeResults,
  type AdapterName,
  type AdapterResult,
  type BenchResults,
  type CaseResult,
} from './harness/report.js';
import { runBackfillBench, stopServers as stopBackfillServers } from './backfill/run-backfill.js';
import { operations } from './operations/index.js';
import { benchData, type BenchData } from './stores/bench-data.js';
import { openDynamoBench, type DynamoBench } from './stores/dynamo.js';
import { POOL_SIZE, openPostgresBench, type PostgresBench } from './stores/postgres.js';

const usage = `Usage: npm run bench -- --scale small|reference [options]
       npm run bench -- --backfill --scale tiny|small|reference [--batch-size n] [--load-concurrency n]
                        [--backfill-batch n] [--parallel-sets n] [--from store] [--seed n] [--out dir]

  --scale <name>             small (default) or reference (73,717 users, 1M activity events, ...); tiny with --backfill
  --backfill                 backfill throughput instead: load the platform into both stores through putMany (the
                             raw bulk rate), backfill each into a fresh copy of the other, verify, and write
                             <date>-backfill-<scale>.json and .md
  --backfill-batch <n>       records per backfill putMany (default: the backfill's, 500)
  --parallel-sets <n>        record sets the backfill copies at once (default: the backfill's, 6)
  --from <store>             only the direction from postgres or from dynamo (default: both)
  --adapter <name>           postgres, dynamo or all (default all)
  --samples <n>              measured calls per side per row (default 2000)
  --rounds <n>               interleaved adapter/raw rounds per row (default 10)
  --warmup <n>               unmeasured calls per side before each row (default samples / 10, at least 20)
  --seed <n>                 the generator's seed (default 1)
  --only <ids>               comma-separated operation ids (default: all of them)
  --batch-size <n>           records per putMany call while loading (default 1000)
  --load-concurrency <n>     putMany calls in flight while loading (default 4)
  --dynamo-every <k>         DynamoDB Local gets what the benchmark reads plus 1 in k of the other records
                             (default 1: the whole platform)
  --dynamo-row-seconds <s>   DynamoDB Local rows take as many samples as fit in s seconds, at most --samples
                             (default: no limit at small scale; 45 at reference scale; 0 = no limit)
  --out <dir>                where <date>-<scale>.json and .md go (default bench/results)
  --no-readme                do not put a reference-scale table into README.md
  -h, --help                 this text`;

// DynamoDB Local (a Java process on this 2-core machine) loads the whole reference platform in ~21 minutes, but its
// slowest operations run at 7-40 calls/s, where 2,000 samples per side of every row would take most of an hour: at
// reference scale its rows are time-boxed, and the results say which took fewer samples (see bench/README.md).
const REFERENCE_DYNAMO_ROW_SECONDS = 45;

const root = fileURLToPath(new URL('..', import.meta.url));

function log(line: string): void {
  const elapsed = Math.round((performance.now() - startedAt) / 1000);
  const stamp = `${String(Math.floor(elapsed / 60)).padStart(2, '0')}:${String(elapsed % 60).padStart(2, '0')}`;
  process.stderr.write(`[${stamp}] ${line}\n`);
}

const startedAt = performance.now();

/** A bad option: reported in one line, with no stack. */
class UsageError extends Error {}

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1) {
    throw new UsageError(`--${name} must be a whole number >= 1; got ${value}`);
  }
  return parsed;
}

function whole(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`--${name} must be a whole number; got ${value}`);
  }
  return Number(value);
}

/** parseArgs, with its complaints (unknown option, missing value) as usage errors. */
function parseArgsOrExplain<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function isScale(value: string): value is 'small' | 'reference' {
  return value === 'small' || value === 'reference';
}

function fromStore(value: string | undefined): 'postgres' | 'dynamo' | undefined {
  if (value === undefined || value === 'postgres' || value === 'dynamo') return value;
  throw new UsageError(`--from must be postgres or dynamo; got ${value}`);
}

/** The options of `--backfill`: the scales include tiny (the smoke test's), the operation options do not apply. */
function parseBackfill(values: ReturnType<typeof parseOptions>) {
  const scale = values.scale;
  if (scale !== 'tiny' && !isScale(scale)) {
    throw new UsageError(`--scale must be tiny, small or reference; got ${scale}`);
  }
  const platformScale: 'tiny' | 'small' | 'reference' = scale;
  const batch = values['backfill-batch'];
  const parallel = values['parallel-sets'];
  return {
    scale: platformScale,
    seed: whole('seed', values.seed, 1),
    loadBatchSize: Math.min(positive('batch-size', values['batch-size'], 1000), 1000),
    loadConcurrency: positive('load-concurrency', values['load-concurrency'], 4),
    backfillBatchSize: batch === undefined ? undefined : Math.min(positive('backfill-batch', batch, 500), 1000),
    parallelSets: parallel === undefined ? undefined : Math.min(positive('parallel-sets', parallel, 6), 12),
    from: fromStore(values.from),
    out: values.out ?? `${root}bench/results`,
  };
}

function parseOptions(argv: readonly string[]) {
  const { values } = parseArgsOrExplain({
    args: [...argv],
    options: {
      scale: { type: 'string', default: 'small' },
      adapter: { type: 'string', default: 'all' },
      samples: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      seed: { type: 'string' },
      only: { type: 'string' },
      'batch-size': { type: 'string' },
      'load-concurrency': { type: 'string' },
      'dynamo-every': { type: 'string' },
      'dynamo-row-seconds': { type: 'string' },
      out: { type: 'string' },
      'no-readme': { type: 'boolean', default: false },
      backfill: { type: 'boolean', default: false },
      'backfill-batch': { type: 'string' },
      'parallel-sets': { type: 'string' },
      from: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  return values;
}

function parse(values: ReturnType<typeof parseOptions>) {
  if (values.help) return null;
  const scale = values.scale;
  if (!isScale(scale)) throw new UsageError(`--scale must be small or reference; got ${scale}`);
  const adapters: AdapterName[] =
    values.adapter === 'all'
      ? ['postgres', 'dynamo']
      : values.adapter === 'postgres' || values.adapter === 'dynamo'
        ? [values.adapter]
        : [];
  if (adapters.length === 0) throw new UsageError(`--adapter must be postgres, dynamo or all; got ${values.adapter}`);
  const samples = positive('samples', values.samples, 2000);
  const rounds = Math.min(positive('rounds', values.rounds, 10), samples);
  const only = values.only?.split(',').map((id) => id.trim()) ?? null;
  const unknown = only?.filter((id) => !operations.some((operation) => operation.id === id)) ?? [];
  if (unknown.length > 0) {
    throw new UsageError(`unknown operation ${unknown.join(', ')} (known: ${operations.map((o) => o.id).join(', ')})`);
  }
  const dynamoEvery = positive('dynamo-every', values['dynamo-every'], 1);
  const dynamoRowSeconds = whole(
    'dynamo-row-seconds',
    values['dynamo-row-seconds'],
    scale === 'reference' ? REFERENCE_DYNAMO_ROW_SECONDS : 0,
  );
  const out = values.out ?? `${root}bench/results`;
  return {
    scale,
    adapters,
    samples,
    rounds,
    warmup: whole('warmup', values.warmup, Math.max(20, Math.round(samples / 10))),
    seed: whole('seed', values.seed, 1),
    only,
    batchSize: Math.min(positive('batch-size', values['batch-size'], 1000), 1000),
    loadConcurrency: positive('load-concurrency', values['load-concurrency'], 4),
    dynamoEvery,
    dynamoRowSeconds,
    out,
    // The README carries reference-scale results only, and only from a run that writes into bench/results.
    readme: scale === 'reference' && !values['no-readme'] && values.out === undefined,
  };
}

type Options = NonNullable<ReturnType<typeof parse>>;

/** Closes whatever bench is open when the process is interrupted. */
let closeOpen: (() => Promise<void>) | null = null;

async function open(adapter: AdapterName, data: BenchData, options: Options): Promise<PostgresBench | DynamoBench> {
  const loadOptions = { batchSize: options.batchSize, concurrency: options.loadConcurrency, log };
  if (adapter === 'postgres') return openPostgresBench(data, loadOptions);
  return openDynamoBench(data, { ...loadOptions, every: options.dynamoEvery });
}

async function runAdapter(adapter: AdapterName, data: BenchData, options: Options): Promise<AdapterResult> {
  const started = performance.now();
  log(`${adapterLabels[adapter]}: starting the server and loading the ${options.scale} platform`);
  const bench = await open(adapter, data, options);
  closeOpen = () => bench.close();
  try {
    const { load } = bench;
    log(
      `${adapterLabels[adapter]}: loaded ${load.records.toLocaleString('en-US')} rows at ${load.rowsPerSecond.toLocaleString('en-US')} rows/s of putMany`,
    );
    const scaleNote = load.reduced
      ? `a reduced platform: ${load.records.toLocaleString('en-US')} of its ` +
        `${load.rows.reduce((sum, row) => sum + row.generated, 0).toLocaleString('en-US')} records. Everything the ` +
        "benchmark reads is there in full (the sampled users, the 10 biggest communities' posts, the 50 hottest " +
        "posts' comments, the 100 sampled actors' activity, every content item, event, community and daily counter); " +
        `of the rest, 1 record in ${options.dynamoEvery} was loaded. DynamoDB Local took putMany at ` +
        `${load.rowsPerSecond.toLocaleString('en-US')} rows/s here, so the whole platform would need about ` +
        `${Math.round(load.rows.reduce((sum, row) => sum + row.generated, 0) / Math.max(1, load.rowsPerSecond) / 60)} ` +
        'minutes to load, beyond the 30-minute budget of the run.'
      : null;
    if (scaleNote) log(`${adapterLabels[adapter]}: NOT THE FULL SCALE: ${scaleNote}`);
    const cases: CaseResult[] = [];
    for (const operation of operations) {
      if (options.only && !options.only.includes(operation.id)) continue;
      const plan = bench.kind === 'postgres' ? await operation.postgres(bench) : await operation.dynamo(bench);
      await plan.verify();
      const sampler = new CaseSampler(plan);
      for (const concurrency of operation.concurrencies ?? [1, 16]) {
        const budgeted = bench.kind === 'dynamo' && options.dynamoRowSeconds > 0;
        const measured = await sampler.measure({
          samples: options.samples,
          rounds: options.rounds,
          warmup: options.warmup,
          concurrency,
          ...(budgeted ? { budgetMs: options.dynamoRowSeconds * 1000 } : {}),
        });
        cases.push({
          operation: operation.id,
          name: operation.name,
          kind: operation.kind,
          concurrency,
          note: plan.note ?? null,
          samplesPerSide: measured.samplesPerSide,
          rounds: measured.rounds.length,
          adapter: measured.adapter,
          raw: measured.raw,
          ratio: measured.ratio,
          perRound: measured.rounds,
        });
        log(
          `${adapterLabels[adapter]}: ${operation.name} x${concurrency} (${measured.samplesPerSide} samples): p50 ${measured.adapter.p50.toFixed(2)} / ` +
            `p95 ${measured.adapter.p95.toFixed(2)} / p99 ${measured.adapter.p99.toFixed(2)} ms, ` +
            `${Math.round(measured.adapter.opsPerSecond)} ops/s; raw p50 ${measured.raw.p50.toFixed(2)} ms; ` +
            `ratio ${measured.ratio.p50.toFixed(2)}`,
        );
      }
    }
    return { adapter, server: bench.server, load, scaleNote, cases, wallMs: performance.now() - started };
  } finally {
    closeOpen = null;
    // Stopping a server waits on its process with unref'd timers: hold the event loop open until it is down.
    const holdOpen = setInterval(() => undefined, 1_000);
    await bench.close().finally(() => clearInterval(holdOpen));
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const values = parseOptions(argv);
  if (values.backfill && !values.help) {
    const backfillOptions = parseBackfill(values);
    const files = await runBackfillBench({ ...backfillOptions, log });
    log(`wrote ${files.json} and ${files.markdown}`);
    return files.verified ? 0 : 1;
  }
  const options = parse(values);
  if (options === null) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const loadAverageStart = loadavg()[0] ?? 0;
  const started = new Date();
  log(`cohort bench: ${options.scale} scale, ${options.adapters.join(' and ')}, ${options.samples} samples per side`);
  const data = benchData(options.scale, options.seed);
  const adapters: AdapterResult[] = [];
  for (const adapter of options.adapters) adapters.push(await runAdapter(adapter, data, options));
  const finished = new Date();
  const results: BenchResults = {
    scale: options.scale,
    seed: options.seed,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    wallMs: finished.getTime() - started.getTime(),
    settings: {
      samples: options.samples,
      rounds: options.rounds,
      warmup: options.warmup,
      batchSize: options.batchSize,
      loadConcurrency: options.loadConcurrency,
      poolSize: POOL_SIZE,
      dynamoEvery: options.dynamoEvery,
      dynamoRowSeconds: options.dynamoRowSeconds,
    },
    machine: machineNow(loadAverageStart),
    platform: data.platform.counts(),
    adapters,
    targets: checkTargets(adapters),
  };
  const files = await writeResults(options.out, results);
  log(`wrote ${files.json} and ${files.markdown}`);
  if (options.readme) {
    const updated = await updateReadme(`${root}README.md`, toMarkdown(results));
    log(updated ? 'updated the Benchmarks table in README.md' : 'README.md has no bench markers; left it alone');
  }
  const missed = results.targets.filter((target) => !target.met);
  log(`done in ${Math.round(results.wallMs / 1000)} s; ${missed.length} of ${results.targets.length} targets missed`);
  return 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the servers`);
    void (closeOpen?.() ?? stopBackfillServers?.() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

let finished = false;
// Node exits quietly when nothing is left to wait for; a call that never settles must not pass for a finished run.
process.once('beforeExit', () => {
  if (finished) return;
  log('failed: the event loop emptied before the run finished (a call never settled)');
  process.exitCode = 1;
});

main(process.argv.slice(2)).then(
  (code) => {
    finished = true;
    process.exitCode = code;
  },
  (error: unknown) => {
    finished = true;
    const detail = error instanceof UsageError ? `${error.message} (see --help)` : undefined;
    log(`failed: ${detail ?? (error instanceof Error ? (error.stack ?? error.message) : String(error))}`);
    process.exitCode = 1;
    void closeOpen?.();
    void stopBackfillServers?.();
  },
);
