// Backfill throughput per direction, next to the target store's raw bulk insert rate (loadPlatform's putMany).
//
//   TSX_TSCONFIG_PATH=packages/migrate/tsconfig.run.json \
//     node --conditions=@cohort/source --import tsx packages/migrate/bench/backfill.ts [scale] [--parallel-sets N]
//
// `scale` is tiny, small, reference, or a factor of `small` (10 = 20,000 users and 200,000 activity events).
// Results go to bench/results/backfill-<scale>.json at the repository root.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePlatform, loadPlatform, platformScales, type PlatformSizes } from '@cohort/testkit';
import { startDynamo, startPostgres } from '@cohort/testkit/servers';
import { backfill, verify } from '../src/index.js';
import { createDynamoSpec, createPostgresSpec, openStore, type OpenStore } from '../test/support/real-stores.js';

const args = process.argv.slice(2);
const scaleArg = args.find((arg) => !arg.startsWith('--')) ?? '10';
const parallelIndex = args.indexOf('--parallel-sets');
const parallelSets = parallelIndex >= 0 ? Number(args[parallelIndex + 1]) : undefined;

function sizesOf(scale: string): PlatformSizes {
  if (scale in platformScales) return { ...platformScales[scale as keyof typeof platformScales] };
  const factor = Number(scale);
  if (!Number.isFinite(factor) || factor <= 0) throw new Error(`scale must be tiny, small, reference or a factor`);
  return Object.fromEntries(
    Object.entries(platformScales.small).map(([key, value]) => [
      key,
      key === 'activityDays' ? value : Math.round(value * factor),
    ]),
  ) as unknown as PlatformSizes;
}

const sizes = sizesOf(scaleArg);
const [postgres, dynamo] = await Promise.all([startPostgres(), startDynamo()]);
const opened: OpenStore[] = [];
const open = async (kind: 'postgres' | 'dynamo') => {
  const store = await openStore(
    kind === 'postgres' ? await createPostgresSpec(postgres.url) : createDynamoSpec(dynamo.endpoint),
  );
  opened.push(store);
  return store;
};

try {
  const platform = generatePlatform({ seed: 2026, scale: sizes });
  const counts = platform.counts();
  const records = Object.values(counts).reduce((a, b) => a + b, 0);
  console.log(`platform: ${records.toLocaleString('en-US')} records`, counts);

  const raw: Record<string, number> = {};
  const sources: Record<string, OpenStore> = {};
  for (const kind of ['postgres', 'dynamo'] as const) {
    const store = await open(kind);
    const load = await loadPlatform(store.store.recordSets, platform, { batchSize: 500 });
    raw[kind] = load.recordsPerSecond;
    sources[kind] = store;
    console.log(`raw putMany into ${kind}: ${load.recordsPerSecond} rows/s (${(load.elapsedMs / 1000).toFixed(1)} s)`);
  }

  const directions = [];
  for (const [from, to] of [
    ['postgres', 'dynamo'],
    ['dynamo', 'postgres'],
  ] as const) {
    const target = await open(to);
    const report = await backfill({
      source: (sources[from] as OpenStore).store,
      target: target.store,
      batchSize: 500,
      ...(parallelSets === undefined ? {} : { parallelSets }),
    });
    const parity = await verify({
      source: (sources[from] as OpenStore).store,
      target: target.store,
      recheckDelayMs: 0,
    });
    const ratio = Math.round((report.rowsPerSecond / (raw[to] as number)) * 100) / 100;
    console.log(
      `backfill ${from} -> ${to}: ${report.rowsPerSecond} rows/s (${(report.elapsedMs / 1000).toFixed(1)} s), ` +
        `${ratio} x the raw rate of ${to}; verify ${parity.ok ? 'ok' : 'DIFFERENT'} in ${(parity.elapsedMs / 1000).toFixed(1)} s`,
    );
    directions.push({
      from,
      to,
      rowsPerSecond: report.rowsPerSecond,
      elapsedMs: report.elapsedMs,
      targetRawRowsPerSecond: raw[to],
      ratioToRaw: ratio,
      verifyOk: parity.ok,
      verifyMs: parity.elapsedMs,
      perRecordSet: Object.fromEntries(report.recordSets.map((set) => [set.recordSet, set.rowsPerSecond])),
    });
    await target.drop();
    opened.splice(opened.indexOf(target), 1);
  }

  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const file = join(root, 'bench', 'results', `backfill-${scaleArg}.json`);
  mkdirSync(dirname(file), { recursive: true });
  const result = {
    benchmark: 'backfill',
    scale: scaleArg,
    records,
    counts,
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    servers: { postgres: postgres.kind, dynamo: dynamo.kind },
    batchSize: 500,
    parallelSets: parallelSets ?? 4,
    rawPutManyRowsPerSecond: raw,
    directions,
    at: new Date().toISOString(),
  };
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${file}`);
} finally {
  for (const store of opened) await store.drop().catch(() => undefined);
  await Promise.all([postgres.stop(), dynamo.stop()]);
}
