import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

const operations = [
  'user-by-email',
  'content-by-tag',
  'feed-first-page',
  'feed-deep-page',
  'post-comments',
  'register',
  'register-contended',
  'activity-by-actor',
  'daily-counts-30d',
  'append-activity-100',
];

/** Runs the benchmark script as `npm run bench` does; resolves with its exit code and output. */
function runBench(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  return runScript('bench/run-bench.ts', args);
}

/** Runs a benchmark script as its npm script does; resolves with its exit code and output. */
function runScript(script: string, args: readonly string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--conditions=@cohort/source', '--import', 'tsx', script, ...args],
      {
        cwd: root,
        env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'bench/tsconfig.run.json') },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

interface Results {
  scale: string;
  adapters: { adapter: string; load: { records: number }; cases: { operation: string; concurrency: number }[] }[];
}

// A smoke test, not a timed one: the small platform on both adapters with a handful of samples, only to show that
// the script runs end to end, that every raw statement matches its adapter call, and that it writes its files.
describe('npm run bench -- --scale small', () => {
  let out: string | undefined;
  afterAll(async () => {
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('measures every operation on both adapters and writes the JSON and markdown results', async () => {
    out = await mkdtemp(join(tmpdir(), 'cohort-bench-'));
    const { code, output } = await runBench([
      '--scale',
      'small',
      '--adapter',
      'all',
      '--samples',
      '20',
      '--rounds',
      '2',
      '--warmup',
      '5',
      // Keeps DynamoDB Local's load short: what the benchmark reads, plus 1 in 20 of the rest.
      '--dynamo-every',
      '20',
      '--load-concurrency',
      '8',
      '--out',
      out,
    ]);
    expect(code, output).toBe(0);

    const files = (await readdir(out)).sort();
    const json = files.find((file) => file.endsWith('-small.json'));
    const markdown = files.find((file) => file.endsWith('-small.md'));
    expect(json, files.join(', ')).toBeDefined();
    expect(markdown, files.join(', ')).toBeDefined();

    const results = JSON.parse(await readFile(join(out, json as string), 'utf8')) as Results;
    expect(results.scale).toBe('small');
    expect(results.adapters.map((adapter) => adapter.adapter)).toEqual(['postgres', 'dynamo']);
    for (const adapter of results.adapters) {
      expect(adapter.load.records).toBeGreaterThan(0);
      expect([...new Set(adapter.cases.map((row) => row.operation))]).toEqual(operations);
      for (const row of adapter.cases.filter((c) => c.operation !== 'register-contended')) {
        expect(adapter.cases.filter((c) => c.operation === row.operation).map((c) => c.concurrency)).toEqual([1, 16]);
      }
    }
    const table = await readFile(join(out, markdown as string), 'utf8');
    for (const name of [
      'PostgreSQL',
      'DynamoDB Local',
      'community feed, deep page',
      'append an activity batch of 100',
    ]) {
      expect(table).toContain(name);
    }
  });
});

interface BackfillResults {
  scale: string;
  complete: boolean;
  records: number;
  load: Record<string, { rowsPerSecond: number }>;
  directions: { from: string; to: string; records: number; verify: { ok: boolean }; perRecordSet: unknown[] }[];
}

// The backfill mode at the tiny scale (667 records): that it loads both stores, copies each way, verifies the copies
// and writes its files. No rate is checked.
describe('npm run bench -- --backfill --scale tiny', () => {
  let out: string | undefined;
  afterAll(async () => {
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('backfills both directions, verifies each copy and writes the JSON and markdown results', async () => {
    out = await mkdtemp(join(tmpdir(), 'cohort-bench-backfill-'));
    const { code, output } = await runBench(['--backfill', '--scale', 'tiny', '--parallel-sets', '12', '--out', out]);
    expect(code, output).toBe(0);

    const files = (await readdir(out)).sort();
    const json = files.find((file) => file.endsWith('-backfill-tiny.json'));
    const markdown = files.find((file) => file.endsWith('-backfill-tiny.md'));
    expect(json, files.join(', ')).toBeDefined();
    expect(markdown, files.join(', ')).toBeDefined();

    const results = JSON.parse(await readFile(join(out, json as string), 'utf8')) as BackfillResults;
    expect(results.scale).toBe('tiny');
    expect(results.complete).toBe(true);
    expect(Object.keys(results.load).sort()).toEqual(['dynamo', 'postgres']);
    expect(results.directions.map((d) => `${d.from}->${d.to}`)).toEqual(['dynamo->postgres', 'postgres->dynamo']);
    for (const direction of results.directions) {
      expect(direction.records).toBe(results.records);
      expect(direction.verify.ok).toBe(true);
      expect(direction.perRecordSet).toHaveLength(12);
    }
    const table = await readFile(join(out, markdown as string), 'utf8');
    for (const name of ['DynamoDB Local → PostgreSQL', 'PostgreSQL → DynamoDB Local', 'activityCounts']) {
      expect(table).toContain(name);
    }
  });
});

interface FeedResults {
  results: { store: string; delivery: { writes: number; missing: number }[]; drain: { changes: number } }[];
  targets: { store: string; met: boolean }[];
}

// The change-feed benchmark with a handful of writes: that every write's change arrives on both stores, the backlog
// drains whole, and it writes its files. No latency is checked.
describe('npm run bench:feed', () => {
  let out: string | undefined;
  afterAll(async () => {
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('follows every write on both stores, drains the backlog and writes the JSON and markdown results', async () => {
    out = await mkdtemp(join(tmpdir(), 'cohort-bench-feed-'));
    const { code, output } = await runScript('bench/feed/run-feed-bench.ts', [
      '--changes',
      '500',
      '--writes',
      '20',
      '--sustain-seconds',
      '1',
      '--cost-rounds',
      '1',
      '--cost-per-round',
      '10',
      '--out',
      out,
    ]);
    expect(code, output).toBe(0);
    const files = (await readdir(out)).sort();
    const json = files.find((file) => file.endsWith('-feed.json'));
    expect(json, files.join(', ')).toBeDefined();
    expect(files.some((file) => file.endsWith('-feed.md'))).toBe(true);
    const { results, targets } = JSON.parse(await readFile(join(out, json as string), 'utf8')) as FeedResults;
    expect(results.map((result) => result.store)).toEqual(['postgres', 'dynamo']);
    for (const result of results) {
      expect(result.delivery.map((row) => row.missing)).toEqual([0, 0, 0]);
      expect(result.delivery.every((row) => row.writes > 0)).toBe(true);
      expect(result.drain.changes).toBe(500);
    }
    expect(targets.length).toBe(5);
  });
});
