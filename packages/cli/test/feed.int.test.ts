// `cohort feed` as an operator runs it: the real command in child processes, against a real PostgreSQL (with
// wal_level=logical, as the local servers start it), in a schema of this file's own.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startPostgres, type PostgresServer } from '@cohort/local-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSeed } from '../src/commands/seed.js';
import { Progress } from '../src/progress.js';

const bin = fileURLToPath(new URL('../bin/cohort.js', import.meta.url));
const schema = `cohort_cli_feed_${randomBytes(4).toString('hex')}`;

let postgres: PostgresServer;
let env: NodeJS.ProcessEnv;

/** Starts `cohort` with args; `lines` fills with stdout's lines as they come. */
function cohort(args: readonly string[]) {
  const base = { ...process.env };
  for (const name of Object.keys(base)) if (name.startsWith('VITEST')) delete base[name];
  const child = spawn(process.execPath, [bin, ...args], { env: { ...base, ...env }, stdio: 'pipe' });
  const lines: string[] = [];
  let stderr = '';
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  return { child, lines, stderr: () => stderr, exited };
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function sql(text: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  postgres = await startPostgres({ log: () => undefined });
  env = { DATABASE_URL: postgres.url, DATABASE_SCHEMA: schema };
  await runSeed({
    wiring: 'postgres',
    scale: 'tiny',
    env,
    write: () => undefined,
    progress: new Progress(process.stderr, true),
  });
});

afterAll(async () => {
  await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
  await postgres?.stop();
});

describe('cohort feed on PostgreSQL', () => {
  it('tail prints each change as a JSON line, acknowledges it, and a named subscription resumes after a kill', async () => {
    const first = cohort(['feed', 'tail', '--from', 'postgres', '--subscription', 'cli_test', '--json']);
    await until(() => first.stderr().includes('Ctrl-C to stop'), 'the tail to start');
    await sql(
      `UPDATE "${schema}".users SET display_name = display_name || ' (1)' WHERE id IN (SELECT id FROM "${schema}".users ORDER BY id LIMIT 2)`,
    );
    await until(() => first.lines.length >= 2, 'two changes');
    const printed = first.lines.map(
      (line) => JSON.parse(line) as { recordSet: string; op: string; record: { displayName: string } },
    );
    expect(printed.map((change) => [change.recordSet, change.op])).toEqual([
      ['users', 'upsert'],
      ['users', 'upsert'],
    ]);
    for (const change of printed) expect(change.record.displayName).toMatch(/ \(1\)$/);
    // It acknowledges each batch once printed: the subscription's position reaches the last change printed.
    const lastPrinted = (JSON.parse(first.lines[1] ?? '{}') as { position: string }).position;
    await until(async () => {
      const listed = cohort(['feed', 'list', '--from', 'postgres', '--json']);
      await listed.exited;
      return listed.lines.some((line) => (JSON.parse(line) as { position: string }).position === lastPrinted);
    }, 'the acknowledgement');
    // Killed outright: a new tail of the same subscription starts after what was acknowledged.
    first.child.kill('SIGKILL');
    await first.exited;
    await sql(
      `UPDATE "${schema}".users SET display_name = display_name || ' (2)' WHERE id IN (SELECT id FROM "${schema}".users ORDER BY id LIMIT 1)`,
    );

    const listed = cohort(['feed', 'list', '--from', 'postgres', '--json']);
    expect(await listed.exited).toBe(0);
    const subscriptions = listed.lines.map(
      (line) => JSON.parse(line) as { name: string; lag: { bytes: number | null } },
    );
    expect(subscriptions.map((info) => info.name)).toContain('cli_test');

    const second = cohort([
      'feed',
      'tail',
      '--from',
      'postgres',
      '--subscription',
      'cli_test',
      '--json',
      '--count',
      '1',
    ]);
    expect(await second.exited).toBe(0);
    const [resumed] = second.lines.map((line) => JSON.parse(line) as { record: { displayName: string } });
    expect(resumed?.record.displayName).toMatch(/ \(1\) \(2\)$/);
    expect(second.stderr()).toContain('resuming subscription cli_test');

    const dropped = cohort(['feed', 'drop', 'cli_test', '--from', 'postgres']);
    expect(await dropped.exited).toBe(0);
    const after = cohort(['feed', 'list', '--from', 'postgres']);
    expect(await after.exited).toBe(0);
    expect(after.lines).toEqual(['no subscriptions']);
  });

  it('a tail of its own drops its subscription when interrupted', async () => {
    const tail = cohort(['feed', 'tail', '--from', 'postgres']);
    await until(() => tail.stderr().includes('Ctrl-C to stop'), 'the tail to start');
    tail.child.kill('SIGINT');
    expect(await tail.exited).toBe(130);
    expect(tail.stderr()).not.toMatch(/^cohort: (?!SIGINT)/m);
    const after = cohort(['feed', 'list', '--from', 'postgres']);
    expect(await after.exited).toBe(0);
    expect(after.lines).toEqual(['no subscriptions']);
  });

  it('names the variable the store needs, in one line with exit 2', async () => {
    const saved = env;
    env = {};
    try {
      const result = cohort(['feed', 'list', '--from', 'postgres']);
      expect(await result.exited).toBe(2);
      expect(result.stderr()).toMatch(/^cohort: --from postgres needs DATABASE_URL/m);
    } finally {
      env = saved;
    }
  });
});
