// The change-feed benchmark: `npm run bench:feed [-- --store postgres|dynamo|all] [--changes n] [--sustain-seconds s]`.
// For each store, on a server of its own: commit → delivery latency at 1 writer, at 16 writers and at a sustained
// 200 writes/s; the drain rate of a backlog; and what a subscription being read costs a writer (feed on ÷ off, in
// interleaved rounds of the same run). Writes <date>-feed.json and .md under bench/results. See bench/README.md.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measureDelivery, measureDrain, measureWriteCost, makeUsers } from './feed-measures.js';
import type { DeliveryResult, DrainResult, WriteCostResult } from './feed-measures.js';
import { openFeedStore, type FeedStoreName } from './feed-stores.js';

interface StoreResult {
  readonly store: FeedStoreName;
  readonly server: string;
  readonly delivery: DeliveryResult[];
  readonly drain: DrainResult;
  readonly writeCost: WriteCostResult;
}

interface Target {
  readonly store: FeedStoreName;
  readonly what: string;
  readonly measured: number;
  readonly limit: number;
  readonly unit: string;
  readonly atMost: boolean;
}

// The AWS SDK's reminder about Node 20 support is noise in a benchmark's output.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const labels: Record<FeedStoreName, string> = { postgres: 'PostgreSQL', dynamo: 'DynamoDB Local' };

const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'all' },
    changes: { type: 'string', default: '100000' },
    writes: { type: 'string', default: '400' },
    'sustain-seconds': { type: 'string', default: '15' },
    'cost-rounds': { type: 'string', default: '5' },
    'cost-per-round': { type: 'string', default: '200' },
    'dynamo-poll-ms': { type: 'string', default: '50' },
    out: { type: 'string' },
  },
});
const number = (name: keyof typeof values): number => {
  const value = Number(values[name]);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} must be a whole number >= 1`);
  return value;
};
const stores: FeedStoreName[] =
  values.store === 'all'
    ? ['postgres', 'dynamo']
    : values.store === 'postgres' || values.store === 'dynamo'
      ? [values.store]
      : [];
if (stores.length === 0) throw new Error(`--store must be postgres, dynamo or all; got ${values.store}`);
const out = values.out ?? fileURLToPath(new URL('../results', import.meta.url));

const startedAt = performance.now();
const log = (line: string) => {
  const seconds = Math.round((performance.now() - startedAt) / 1_000);
  process.stderr.write(
    `[${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}] ${line}\n`,
  );
};
const loadStart = loadavg()[0] ?? 0;

const results: StoreResult[] = [];
for (const name of stores) {
  log(`${name}: starting a server`);
  const opened = await openFeedStore(name, (line) => log(`${name}: ${line}`), {
    dynamoPollMs: number('dynamo-poll-ms'),
  });
  try {
    const users = await makeUsers(opened.store, 200, `feed-bench-${name}`);
    const writes = number('writes');
    const delivery: DeliveryResult[] = [];
    for (const scenario of [
      { scenario: '1 writer, back to back', writers: 1, writes },
      { scenario: '16 writers, back to back', writers: 16, writes: writes * 4 },
      {
        scenario: 'sustained 200 writes/s',
        writers: 8,
        writes: 200 * number('sustain-seconds'),
        ratePerSecond: 200,
      },
    ]) {
      log(`${name}: delivery, ${scenario.scenario}`);
      delivery.push(
        await measureDelivery(opened.store, opened.feed, {
          ...scenario,
          users,
          subscription: `bench_delivery_${delivery.length}`,
        }),
      );
    }
    log(`${name}: what the feed costs a writer`);
    const writeCost = await measureWriteCost(opened.store, opened.feed, users, {
      rounds: number('cost-rounds'),
      perRound: number('cost-per-round'),
    });
    log(`${name}: draining a backlog of ${number('changes').toLocaleString('en-US')} changes`);
    const drainUsers = await opened.store.recordSets.users.scan({ limit: 1_000 }).then(async (first) => {
      const all = [...first.items];
      let cursor = first.nextCursor;
      while (cursor && all.length < 5_000) {
        const page = await opened.store.recordSets.users.scan({ limit: 1_000, cursor });
        all.push(...page.items);
        cursor = page.nextCursor;
      }
      return all;
    });
    const drain = await measureDrain(opened.store, opened.feed, drainUsers, number('changes'), (line) =>
      log(`${name}: ${line}`),
    );
    results.push({ store: name, server: opened.server, delivery, drain, writeCost });
  } finally {
    await opened.close();
  }
}

const targets: Target[] = results.flatMap((result): Target[] => {
  const sustained = result.delivery.find((row) => row.scenario.startsWith('sustained'));
  return [
    {
      store: result.store,
      what: 'delivery p99 at 200 writes/s',
      measured: sustained?.p99 ?? Number.NaN,
      limit: result.store === 'postgres' ? 100 : 150,
      unit: 'ms',
      atMost: true,
    },
    ...(result.store === 'postgres'
      ? [
          {
            store: result.store,
            what: 'backlog drain',
            measured: result.drain.perSecond,
            limit: 20_000,
            unit: 'changes/s',
            atMost: false,
          },
        ]
      : []),
    {
      store: result.store,
      what: 'write p50, feed on ÷ off',
      measured: result.writeCost.ratio,
      limit: 1.1,
      unit: '×',
      atMost: true,
    },
  ];
});

const fixed = (value: number, digits = 1) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const met = (target: Target) => (target.atMost ? target.measured <= target.limit : target.measured >= target.limit);
const date = new Date().toISOString().slice(0, 10);
const lines = [
  `### Change feed, ${date}`,
  '',
  `Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GB RAM, Node ${process.version}; load average ${fixed(loadStart)} at the start and ${fixed(loadavg()[0] ?? 0)} at the end.`,
  '',
  "Delivery latency: the time from a write's acknowledgement to the follower reading its change (the follower reads with a 200 ms long poll and acknowledges every batch).",
  '',
  ...results.flatMap((result) => [
    `#### ${labels[result.store]}: ${result.server}`,
    '',
    '| Scenario | Writers | Writes | Writes/s | p50 ms | p99 ms | max ms | missing |',
    '|---|--:|--:|--:|--:|--:|--:|--:|',
    ...result.delivery.map(
      (row) =>
        `| ${row.scenario} | ${row.writers} | ${row.writes.toLocaleString('en-US')} | ${fixed(row.rate, 0)} | ${fixed(row.p50)} | ${fixed(row.p99)} | ${fixed(row.max)} | ${row.missing} |`,
    ),
    '',
    `Backlog drain: ${result.drain.changes.toLocaleString('en-US')} changes read in ${fixed(result.drain.seconds)} s = **${fixed(result.drain.perSecond, 0)} changes/s**.`,
    '',
    `Write cost: a single-row update back to back, ${result.writeCost.samples} samples per side in interleaved rounds: p50 ${fixed(result.writeCost.offP50, 2)} ms with no subscription, ${fixed(result.writeCost.onP50, 2)} ms while one is read = **${fixed(result.writeCost.ratio, 2)} ×**.`,
    '',
  ]),
  '#### Targets',
  '',
  '| Store | Target | Measured | Limit | Met |',
  '|---|---|--:|--:|---|',
  ...targets.map(
    (target) =>
      `| ${labels[target.store]} | ${target.what} | ${fixed(target.measured, 2)} ${target.unit} | ${target.atMost ? '≤' : '≥'} ${target.limit.toLocaleString('en-US')} ${target.unit} | ${met(target) ? 'yes' : '**no**'} |`,
  ),
  '',
];
const markdown = lines.join('\n');
await mkdir(out, { recursive: true });
// A run of one store gets files of its own, so it never overwrites a run of both.
const base = join(out, `${date}-feed${stores.length === 1 ? `-${stores[0]}` : ''}`);
await writeFile(
  `${base}.json`,
  `${JSON.stringify({ date, results, targets: targets.map((t) => ({ ...t, met: met(t) })) }, null, 2)}\n`,
);
await writeFile(`${base}.md`, markdown);
process.stdout.write(`${markdown}\n`);
log(`wrote ${base}.json and .md`);
