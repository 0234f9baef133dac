import type { CohortStore } from '@cohort/core';
import { createMemoryStore } from '@cohort/adapters-memory';
import { TestClock } from '@cohort/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_COMMANDS, fcParameters, runs } from './budget.js';
import {
  commandSequences,
  createdKind,
  execute,
  expectedVersion,
  finalState,
  probesAfter,
  type Command,
  type CommandFamily,
  type Probe,
  type Side,
} from './commands.js';
import { normalize, outcomeOf, type Outcome } from './normalize.js';
import { openStore, type AdapterName, type OpenedStore } from './stores.js';
import { World } from './world.js';

function idOf(value: unknown): string {
  const id = (value as { id?: unknown } | null)?.id;
  if (typeof id !== 'string') throw new Error(`a create returned no id: ${JSON.stringify(value)}`);
  return id;
}

/** Fails with both normalized outcomes when the stores disagree. */
function expectAgreement(what: string, world: World, model: Outcome, real: Outcome): void {
  const nameOf = (id: string): string | undefined => world.nameOf(id);
  const expected = normalize(model, nameOf);
  const actual = normalize(real, nameOf);
  expect(actual, `${what}: the real store (received) disagrees with the model (expected)`).toEqual(expected);
}

async function expectSameState(what: string, probes: readonly Probe[], model: Side, real: Side): Promise<void> {
  for (const probe of probes) {
    const fromModel = await outcomeOf(() => probe.read(model));
    const fromReal = await outcomeOf(() => probe.read(real));
    expectAgreement(`${what}, then reading ${probe.label}`, model.world, fromModel, fromReal);
  }
}

/**
 * Runs `commands` on a fresh in-memory model and on `real` (shared by every run, so each run uses unique data),
 * both reading `clock`, frozen for the run so that timestamps agree. After every command the two results must agree
 * (values with ids replaced by symbolic names, or the same error code), then the state the command touched; after
 * the last command, everything the run created.
 */
export async function runDifferentially(
  real: CohortStore,
  clock: TestClock,
  commands: readonly Command[],
): Promise<void> {
  const world = new World();
  clock.freeze(world.at(0, 12));
  const now = (): Date => clock.now();
  const model: Side = { name: 'model', store: createMemoryStore({ clock }), world, now };
  const actual: Side = { name: 'real', store: real, world, now };
  try {
    for (const [index, command] of commands.entries()) {
      if (command.op === 'clock.advance') {
        clock.advance(command.ms);
        continue;
      }
      const what = `command #${index} ${JSON.stringify(command)}`;
      const version = await expectedVersion(model, command);
      const fromModel = await outcomeOf(() => execute(model, command, version));
      const fromReal = await outcomeOf(() => execute(actual, command, version));
      const kind = createdKind(command);
      if (kind !== null && fromModel.ok && fromReal.ok) world.add(kind, idOf(fromModel.value), idOf(fromReal.value));
      if (command.op === 'activity.purgeBefore' && fromModel.ok && fromReal.ok) {
        // The real store also holds earlier runs' events, all older than this run's window: it may purge more.
        expect(fromReal.value as number, `${what}: purged count`).toBeGreaterThanOrEqual(fromModel.value as number);
      } else {
        expectAgreement(what, world, fromModel, fromReal);
      }
      await expectSameState(what, probesAfter(command), model, actual);
    }
    await expectSameState('at the end of the run', finalState(world), model, actual);
  } finally {
    clock.reset();
  }
}

/** A differential property: its name, the command families it draws from, and its runs (CI, long mode). */
interface DifferentialProperty {
  readonly name: string;
  readonly families: readonly CommandFamily[];
  readonly runs: readonly [number, number];
}

const properties: readonly DifferentialProperty[] = [
  { name: 'users', families: ['users'], runs: [15, 200] },
  { name: 'content and enrollments', families: ['content'], runs: [15, 200] },
  { name: 'events and registrations', families: ['events'], runs: [20, 300] },
  { name: 'communities and memberships', families: ['community'], runs: [15, 200] },
  { name: 'posts, comments and reactions', families: ['posts'], runs: [15, 200] },
  { name: 'activity', families: ['activity'], runs: [15, 200] },
  {
    name: 'every port at once',
    families: ['users', 'content', 'events', 'community', 'posts', 'activity'],
    runs: [20, 400],
  },
];

/**
 * Registers differential properties of `adapter` against the in-memory model (all of them unless `only` names
 * some), on a store of their own.
 */
export function differentialSuite(adapter: Exclude<AdapterName, 'memory'>, only?: readonly string[]): void {
  describe(`differential: ${adapter} agrees with the in-memory model`, () => {
    const clock = new TestClock();
    let opened: OpenedStore | undefined;

    beforeAll(async () => {
      opened = await openStore(adapter, { clock });
    });

    afterAll(async () => {
      await opened?.close();
    });

    for (const property of properties.filter((candidate) => !only || only.includes(candidate.name))) {
      it(`random command sequences over ${property.name}`, async () => {
        const store = opened?.store;
        if (!store) throw new Error('the store did not open');
        await fc.assert(
          fc.asyncProperty(commandSequences(property.families, MAX_COMMANDS), (commands) =>
            runDifferentially(store, clock, commands),
          ),
          fcParameters(runs(...property.runs)),
        );
      });
    }
  });
}
