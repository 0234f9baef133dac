// `cohort feed` as an operator runs it: the real command in child processes, against a real PostgreSQL (with
// wal_level=logical, as the local servers start it), in a schema of this file's own.
import { describe, expect, it } from 'vitest';
import { cliHarness, until } from './support/cli-harness.js';

const cli = cliHarness({ name: 'feed' });
const { schema, start, sql } = cli;

describe('cohort feed on PostgreSQL', () => {
  it('tail prints each change as a JSON line, acknowledges it, and a named subscription resumes after a kill', async () => {
    const first = start(['feed', 'tail', '--from', 'postgres', '--subscription', 'cli_test', '--json']);
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
      const listed = start(['feed', 'list', '--from', 'postgres', '--json']);
      await listed.exited;
      return listed.lines.some((line) => (JSON.parse(line) as { position: string }).position === lastPrinted);
    }, 'the acknowledgement');
    // Killed outright: a new tail of the same subscription starts after what was acknowledged.
    first.child.kill('SIGKILL');
    await first.exited;
    await sql(
      `UPDATE "${schema}".users SET display_name = display_name || ' (2)' WHERE id IN (SELECT id FROM "${schema}".users ORDER BY id LIMIT 1)`,
    );

    const listed = start(['feed', 'list', '--from', 'postgres', '--json']);
    expect(await listed.exited).toBe(0);
    const subscriptions = listed.lines.map(
      (line) => JSON.parse(line) as { name: string; lag: { bytes: number | null } },
    );
    expect(subscriptions.map((info) => info.name)).toContain('cli_test');

    const second = start([
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

    const dropped = start(['feed', 'drop', 'cli_test', '--from', 'postgres']);
    expect(await dropped.exited).toBe(0);
    const after = start(['feed', 'list', '--from', 'postgres']);
    expect(await after.exited).toBe(0);
    expect(after.lines).toEqual(['no subscriptions']);
  });

  it('a tail of its own drops its subscription when interrupted', async () => {
    const tail = start(['feed', 'tail', '--from', 'postgres']);
    await until(() => tail.stderr().includes('Ctrl-C to stop'), 'the tail to start');
    tail.child.kill('SIGINT');
    expect(await tail.exited).toBe(130);
    expect(tail.stderr()).not.toMatch(/^cohort: (?!SIGINT)/m);
    const after = start(['feed', 'list', '--from', 'postgres']);
    expect(await after.exited).toBe(0);
    expect(after.lines).toEqual(['no subscriptions']);
  });

  it('names the variable the store needs, in one line with exit 2', async () => {
    const result = start(['feed', 'list', '--from', 'postgres'], {});
    expect(await result.exited).toBe(2);
    expect(result.stderr()).toMatch(/^cohort: --from postgres needs DATABASE_URL/m);
  });
});
