// `cohort move --cutover / --rollback / --status` as an operator runs them: the real command in a child process, from
// a real PostgreSQL to DynamoDB Local, while a service instance in this test process (a fleet phase controller on the
// same control store and key, and a strangler store over both stores) keeps writing users. The fence only means
// something with an instance that obeys it.
import { setTimeout as sleep } from 'node:timers/promises';
import type { CohortStore, ControlRecords } from '@cohort/core';
import {
  createFleetPhaseController,
  fleetControl,
  portNames,
  stranglerStore,
  type FleetPhaseController,
} from '@cohort/migrate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStores, type OpenStores } from '../src/stores/open-stores.js';
import { wirings } from '../src/stores/wirings.js';
import { cliHarness, errorLines, until } from './support/cli-harness.js';

const cli = cliHarness({ name: 'move_switch', dynamo: true });
const print = (text: string) => {
  if (process.env['MOVE_TEST_PRINT']) console.log(text);
};

let opened: OpenStores[] = [];
let postgres: CohortStore;
let dynamo: CohortStore;
beforeAll(async () => {
  opened = await Promise.all(
    [wirings.postgres, wirings.dynamo].map((layout) => openStores({ layout, mode: 'configured', env: cli.env })),
  );
  [postgres, dynamo] = opened.map((stores) => stores.stores[0]!.store) as [CohortStore, CohortStore];
});
afterAll(async () => {
  for (const stores of opened) await stores.close();
});

/** A service instance of the fleet: its controller watches `control`; `write` starts a worker creating users. */
async function serviceInstance(control: ControlRecords, instanceId: string, leaseMs?: number) {
  const controller: FleetPhaseController = await createFleetPhaseController({
    control,
    instanceId,
    ...(leaseMs === undefined ? {} : { leaseMs }),
  });
  let route: 'primary' | 'secondary' | null = null;
  const store = stranglerStore(postgres, dynamo, controller, { onWrite: (write) => (route = write.storeOfRecord) });
  return {
    controller,
    /** Creates a user every ~100 ms until stopped; each with the store of record its write was sent to. */
    write(tag: string) {
      const created: { id: string; route: 'primary' | 'secondary' | null }[] = [];
      const errors: unknown[] = [];
      let running = true;
      const done = (async () => {
        for (let n = 0; running; n += 1) {
          try {
            const user = await store.users.create({
              email: `${tag}-${n}-${cli.suffix}@example.com`,
              displayName: `${tag} ${n}`,
            });
            created.push({ id: user.id, route });
          } catch (error) {
            errors.push(error);
          }
          await sleep(100);
        }
      })();
      return {
        created,
        errors,
        stop: async () => {
          running = false;
          await done;
        },
      };
    },
  };
}

/** Which of `ids` each store holds. */
async function holding(ids: readonly string[]) {
  const found = async (store: CohortStore) =>
    (await Promise.all(ids.map(async (id) => ((await store.users.getById(id)) === null ? [] : [id])))).flat();
  return { postgres: await found(postgres), dynamo: await found(dynamo) };
}

const phasesOf = async (control: ControlRecords) => new Set(Object.values((await fleetControl(control).read()).phases));

describe('cohort move --cutover and --rollback, PostgreSQL <-> DynamoDB, under writes', () => {
  const subscription = `cli_mvs_${cli.suffix}`;
  const base = ['move', '--from', 'postgres', '--to', 'dynamo', '--subscription', subscription];

  it('cuts over (every write lands in the new store of record and comes back), follows back on a rerun, rolls back', async () => {
    const control = postgres.control!;
    const instance = await serviceInstance(control, `svc-a-${cli.suffix}`);
    try {
      // Forward: nothing to roll back.
      const early = await cli.run([...base, '--rollback']);
      expect(early.code, early.stderr).toBe(2);
      expect(errorLines(early.stderr)).toEqual([
        expect.stringMatching(
          /^cohort: nothing to roll back: the ports are served by the source \(postgres\) already /,
        ),
      ]);

      const cutWriter = instance.write('cut');
      const cut = await cli.run([...base, '--cutover', '--follow-seconds', '3']);
      print(`${cut.stdout}\n---\n${cut.stderr}`);
      expect(errorLines(cut.stderr)).toEqual([]);
      expect(cut.code, cut.stderr).toBe(0);
      expect(cut.stdout).toMatch(/^control: PostgreSQL \(.*\), key cohort\/migrate\/phases /m);
      expect(cut.stdout).toMatch(
        /^cut-over postgres -> dynamo: following; probing the lag \(a marker's trip, gate 500 ms, up to 120 s\), then fencing ports /m,
      );
      for (const step of ['fenced', 'acknowledged', 'marker-written', 'marker-applied', 'flipped']) {
        expect(cut.stdout).toMatch(new RegExp(`^ +\\+[\\d.]+ ms  ${step} `, 'm'));
      }
      const pause =
        /^cut-over\s+switched \(fence epoch \d+\): pause ([\d,]+) ms from fence to release; lag at the gate/m.exec(
          cut.stdout,
        );
      expect(pause, cut.stdout).not.toBeNull();
      expect(Number(pause![1]!.replace(/,/g, ''))).toBeLessThan(2_000);
      expect(cut.stdout).toMatch(
        new RegExp(
          `^instances\\s+acknowledged: svc-a-${cli.suffix}; counted out \\(lease expired\\): none; pending: none`,
          'm',
        ),
      );
      expect(cut.stdout).toMatch(
        new RegExp(`^then back\\s+dynamo -> postgres, subscription ${subscription}_back: `, 'm'),
      );
      expect(cut.stdout).toMatch(/^verify\s+ok: [\d,]+ records in 12 record sets, 0 differences/m);
      expect(cut.stderr).toContain('phase: follow back (dynamo -> postgres;');
      expect(await phasesOf(control)).toEqual(new Set(['secondary-only']));
      expect(instance.controller.get('users')).toBe('secondary-only');

      // --status, moving nothing: the phases, the instance's lease, both subscriptions.
      const status = await cli.run([...base, '--status']);
      print(status.stdout);
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toMatch(/^fleet: epoch \d+, not fenced$/m);
      expect(status.stdout).toMatch(new RegExp(`^phases: all ${portNames.length} ports secondary-only$`, 'm'));
      expect(status.stdout).toMatch(/^direction: back: dynamo serves the ports/m);
      expect(status.stdout).toMatch(new RegExp(`^  svc-a-${cli.suffix}: obeys epoch \\d+, .*, live$`, 'm'));
      expect(status.stdout).toMatch(new RegExp(`^forward subscription ${subscription} on postgres: none`, 'm'));
      expect(status.stdout).toMatch(
        new RegExp(`^back    subscription ${subscription}_back on dynamo: position \\S+, created .*, idle, lag`, 'm'),
      );

      await cutWriter.stop();
      expect(cutWriter.errors).toEqual([]);
      const routes = new Set(cutWriter.created.map((user) => user.route));
      expect(routes).toEqual(new Set(['primary', 'secondary']));

      // A plain rerun follows the replication back, and carries what the first run left unapplied.
      const rerun = await cli.run([...base, '--follow-seconds', '2']);
      print(`${rerun.stdout}\n---\n${rerun.stderr}`);
      expect(errorLines(rerun.stderr)).toEqual([]);
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.stderr).toMatch(/^direction back: dynamo serves the ports \(all \d+ ports secondary-only\)/m);
      expect(rerun.stdout).toMatch(
        new RegExp(
          `^move dynamo -> postgres \\(the replication back\\), subscription ${subscription}_back \\(resumed\\)`,
          'm',
        ),
      );
      expect(rerun.stdout).toMatch(/^verify\s+ok: /m);
      // Every user the worker saw created is in both stores: before the flip written to PostgreSQL and carried
      // forward, after it written to DynamoDB and carried back.
      const ids = cutWriter.created.map((user) => user.id);
      expect(await holding(ids)).toEqual({ postgres: ids, dynamo: ids });

      // Rollback under writes: the writes DynamoDB took before the flip reach PostgreSQL.
      const backWriter = instance.write('back');
      const rollback = await cli.run([...base, '--rollback', '--follow-seconds', '2']);
      print(`${rollback.stdout}\n---\n${rollback.stderr}`);
      expect(errorLines(rollback.stderr)).toEqual([]);
      expect(rollback.code, rollback.stderr).toBe(0);
      expect(rollback.stdout).toMatch(/^rollback dynamo -> postgres: following; probing the lag/m);
      expect(rollback.stdout).toMatch(/^rollback\s+switched \(fence epoch \d+\): pause [\d,]+ ms/m);
      expect(rollback.stdout).toMatch(
        new RegExp(`^then forward\\s+postgres -> dynamo, subscription ${subscription}: `, 'm'),
      );
      expect(rollback.stdout).toMatch(/^verify\s+ok: /m);
      expect(await phasesOf(control)).toEqual(new Set(['primary-only']));
      await backWriter.stop();
      expect(backWriter.errors).toEqual([]);
      expect(new Set(backWriter.created.map((user) => user.route))).toEqual(new Set(['secondary', 'primary']));
      const backIds = backWriter.created.map((user) => user.id);
      expect((await holding(backIds)).postgres).toEqual(backIds);
    } finally {
      await instance.controller.close();
    }
  }, 400_000);
});

describe('a switch that cannot happen: one line, phases unchanged', () => {
  it('--cutover with a pause bound no fence can meet aborts (exit 1), the fence lifted and the phases primary-only', async () => {
    // The fleet's phases in DynamoDB this time, with an instance watching them there. It writes nothing (the writes
    // under a fence are the first test's): DynamoDB Local under a backfill can take over a second to renew a lease,
    // and an instance holds its writes meanwhile; a 5 s lease keeps it in the fleet.
    const control = dynamo.control!;
    const instance = await serviceInstance(control, `svc-b-${cli.suffix}`, 5_000);
    try {
      const subscription = `cli_mva_${cli.suffix}`;
      const args = [
        'move',
        '--from',
        'postgres',
        '--to',
        'dynamo',
        '--subscription',
        subscription,
        '--control',
        'dynamo',
      ];
      const aborted = await cli.run([...args, '--cutover', '--pause-bound-ms', '1']);
      print(`${aborted.stdout}\n---\n${aborted.stderr}`);
      expect(aborted.code, aborted.stderr).toBe(1);
      expect(aborted.stdout).toMatch(/^control: DynamoDB \(.*\), key cohort\/migrate\/phases /m);
      expect(aborted.stdout).toMatch(
        /^cut-over\s+ABORTED \(fence epoch \d+\) after a pause of [\d,]+ ms, phases unchanged: /m,
      );
      expect(errorLines(aborted.stderr)).toEqual([
        expect.stringMatching(
          new RegExp(
            '^cohort: the cut-over was aborted: (1 instance\\(s\\) did not acknowledge the fence within 1 ms|' +
              'marker .* was not applied to the target within 1 ms).*; the ports stay on postgres and subscription ' +
              `${subscription} keeps the replication postgres -> dynamo: run again$`,
          ),
        ),
      ]);
      const state = await fleetControl(control).read();
      expect(state.fenced).toEqual([]);
      expect(new Set(Object.values(state.phases))).toEqual(new Set(['primary-only']));
      expect(instance.controller.get('users')).toBe('primary-only');
    } finally {
      await instance.controller.close();
    }
  }, 240_000);
});

describe('a replication that fails mid-run', () => {
  it('is started again, with one line saying why, and the run still ends verified', async () => {
    const subscription = `cli_mvr_${cli.suffix}`;
    // The fleet's phases in DynamoDB, where no switch of this file leaves them anywhere but primary-only.
    const args = [
      'move',
      '--from',
      'postgres',
      '--to',
      'dynamo',
      '--subscription',
      subscription,
      '--control',
      'dynamo',
    ];
    const running = cli.start([...args, '--follow-seconds', '12']);
    await until(() => running.stderr().includes('phase: follow'), 'the move to follow', 240_000);
    // Cut the replication's session: PostgreSQL ends the walsender reading the subscription's slot.
    const cut = async () =>
      (
        await cli.sql<{ cut: boolean }>(
          'SELECT pg_terminate_backend(active_pid) AS cut FROM pg_replication_slots ' +
            `WHERE slot_name LIKE '%${subscription}' AND active_pid IS NOT NULL`,
        )
      ).length > 0;
    await until(cut, 'the replication session to cut', 30_000);
    const exit = await running.exited;
    print(`${running.stdout()}\n---\n${running.stderr()}`);
    expect(exit, running.stderr()).toBe(0);
    expect(errorLines(running.stderr())).toEqual([]);
    expect(running.stderr()).toMatch(
      /^the replication postgres -> dynamo failed \(.+\); starting it again in 1 s, resuming its subscription$/m,
    );
    expect(running.stdout()).toMatch(/^restarts\s+1 time a replication failed and was started again/m);
    expect(running.stdout()).toMatch(/^verify\s+ok: /m);
  }, 300_000);
});
