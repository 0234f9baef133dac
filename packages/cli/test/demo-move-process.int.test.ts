// `npm run demo -- --move` as a newcomer runs it: the real command in a child process, starting its own embedded
// PostgreSQL and DynamoDB Local and three service processes of its own (`cohort demo-service`), moving the activity
// context to DynamoDB and back under their traffic. It must end with exit 0, the summary saying every check passed,
// and no process of its own left running.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/cohort.js', import.meta.url));

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cohort(args: readonly string[]): Promise<Result> {
  const env = { ...process.env };
  for (const name of ['DATABASE_URL', 'DATABASE_SCHEMA', 'DYNAMODB_ENDPOINT', 'DYNAMODB_TABLE', 'NODE_OPTIONS']) {
    delete env[name];
  }
  for (const name of Object.keys(env)) if (name.startsWith('VITEST')) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Whether a process of that id still runs. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The summary's line for `name` (`  backfill          3,218 records …`). */
const summaryLine = (stdout: string, name: string) =>
  stdout.split('\n').find((line) => line.startsWith(`  ${name.padEnd(17)} `)) ?? `(no ${name} line)`;

describe('cohort demo --move in a process of its own', () => {
  it('moves activity to DynamoDB and back under three services, verifies clean, exits 0 and leaves nothing running', async () => {
    const result = await cohort(['demo', '--move']);
    const context = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;

    expect(result.stderr, context).not.toContain('cohort:');
    expect(summaryLine(result.stdout, 'result'), context).toBe(`  ${'result'.padEnd(17)} ok`);
    expect(result.code, context).toBe(0);
    expect(summaryLine(result.stdout, 'backfill')).toMatch(
      /^ {2}backfill +[\d,]+ records \(activity [\d,]+, activityCounts [\d,]+\) in \d+\.\d s/,
    );
    expect(summaryLine(result.stdout, 'lag forward')).toMatch(/PostgreSQL -> DynamoDB: p50 [\d,]+ ms, p99 [\d,]+ ms/);
    expect(summaryLine(result.stdout, 'lag back')).toMatch(/DynamoDB -> PostgreSQL: p50 [\d,]+ ms, p99 [\d,]+ ms/);
    // Each switch's pause: the operator's fence -> release, and the calls the services saw held.
    const pause =
      /[\d,]+ ms fence -> release \(epoch \d+.*; (no call was held|\d+ held calls?, extra latency p50 [\d,]+ ms, p100 [\d,]+ ms)( \(before it: .+\))?$/;
    expect(summaryLine(result.stdout, 'cut-over pause')).toMatch(pause);
    expect(summaryLine(result.stdout, 'rollback pause')).toMatch(pause);
    expect(result.stdout).toMatch(
      /verify +after the cut-over: ok, [\d,]+ records of activity, activityCounts, 0 differences, 0 dangling/,
    );
    expect(result.stdout).toMatch(
      / {2,}after the rollback: ok, [\d,]+ records of activity, activityCounts, 0 differences, 0 dangling/,
    );
    expect(summaryLine(result.stdout, 'ledgers')).toMatch(
      /3 of 3 services: all [\d,]+ writes they saw acknowledged are in PostgreSQL/,
    );
    expect(summaryLine(result.stdout, 'service errors')).toMatch(/^ {2}service errors +none \(/);
    expect(result.stderr).toContain('✓ closed the stores and stopped the servers the demo started');
    expect(result.stdout).toMatch(/Done in \d+\.\d s\./);
    // The service processes it started (it prints their pids) do not outlive it.
    const pids = /service processes \(pids ([\d, ]+)\)/.exec(result.stdout)?.[1]?.split(', ').map(Number) ?? [];
    expect(pids).toHaveLength(3);
    expect(pids.filter(running)).toEqual([]);
    // Its run time is not asserted: under 2 minutes on an idle 2-core machine, it takes longer beside other tests.
  }, 360_000);

  it('refuses --wiring with --move in one line, exit 2, before starting anything', async () => {
    const result = await cohort(['demo', '--move', '--wiring', 'memory']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'cohort: cohort demo --move takes no --wiring: it starts on PostgreSQL and moves activity to DynamoDB\n',
    );
  });
});
