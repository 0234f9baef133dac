import { CohortError, type CohortStore } from '@cohort/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fcParameters, runs } from './support/budget.js';
import {
  entryPoints,
  hostileCases,
  openBaseline,
  snapshot,
  type Baseline,
  type HostileCase,
} from './support/hostile.js';
import { openStore, type AdapterName, type OpenedStore } from './support/stores.js';

const budgets: Record<AdapterName, readonly [number, number]> = {
  memory: [1_000, 20_000],
  postgres: [300, 5_000],
  dynamo: [150, 3_000],
};

/** Makes the hostile call and checks its answer: VALIDATION (or, for a forged cursor that decodes, a page). */
async function expectRefused(store: CohortStore, baseline: Baseline, hostile: HostileCase): Promise<void> {
  const entryPoint = entryPoints.find((candidate) => candidate.name === hostile.entry);
  if (!entryPoint) throw new Error(`unknown entry point ${hostile.entry}`);
  const args = entryPoint.valid(baseline);
  args[hostile.argument] = hostile.value;
  let outcome: unknown;
  let returned = false;
  try {
    outcome = await entryPoint.call(store, args);
    returned = true;
  } catch (error) {
    outcome = error;
  }
  const what = `${hostile.entry} with argument ${hostile.argument} hostile`;
  if (returned) {
    expect(hostile.expect, `${what} was accepted`).toBe('VALIDATION_OR_PAGE');
    expect(Array.isArray((outcome as { items?: unknown }).items), `${what} returned something other than a page`).toBe(
      true,
    );
    return;
  }
  const description = outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : String(outcome);
  expect(CohortError.is(outcome, 'VALIDATION'), `${what} failed with ${description.slice(0, 500)}`).toBe(true);
}

describe.each(['memory', 'postgres', 'dynamo'] as const)('hostile input on %s', (adapter) => {
  let opened: OpenedStore | undefined;
  let baseline: Baseline | undefined;
  let before: Record<string, unknown[]> = {};

  beforeAll(async () => {
    opened = await openStore(adapter);
    baseline = await openBaseline(opened.store);
    before = await snapshot(opened.store);
  });

  afterAll(async () => {
    await opened?.close();
  });

  it('every public entry point answers VALIDATION and leaves the store unchanged', async () => {
    if (!opened || !baseline) throw new Error('the store did not open');
    const { store } = opened;
    const ready = baseline;
    let calls = 0;
    await fc.assert(
      fc.asyncProperty(hostileCases(ready), async (hostile) => {
        await expectRefused(store, ready, hostile);
        calls += 1;
        // A full scan of every record set is affordable on this small store; do it every few calls, and last.
        if (calls % 10 === 0) expect(await snapshot(store), 'the store is unchanged').toEqual(before);
      }),
      fcParameters(runs(...budgets[adapter])),
    );
    expect(await snapshot(store), 'the store is unchanged').toEqual(before);
  });

  it('a patch or page request that is not a plain object (a Date, a Map) is VALIDATION', async () => {
    if (!opened || !baseline) throw new Error('the store did not open');
    const { store } = opened;
    for (const notPlain of [new Date(0), new Map([['displayName', 'x']])]) {
      const patched = await store.users.update(baseline.users[1] ?? '', notPlain as never, 1).catch((e: unknown) => e);
      expect(CohortError.is(patched, 'VALIDATION'), `users.update with a ${notPlain.constructor.name} patch`).toBe(
        true,
      );
      const listed = await store.users.list(notPlain as never).catch((e: unknown) => e);
      expect(CohortError.is(listed, 'VALIDATION'), `users.list with a ${notPlain.constructor.name} page`).toBe(true);
    }
    expect(await snapshot(store), 'the store is unchanged').toEqual(before);
  });
});
