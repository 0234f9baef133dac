import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { LONG, fcParameters, runs } from './support/budget.js';
import { parallelBatches, runParallelBatch } from './support/invariants.js';
import { openStore, type AdapterName, type OpenedStore } from './support/stores.js';

const budgets: Record<AdapterName, readonly [number, number]> = {
  memory: [200, 2_000],
  postgres: [40, 400],
  dynamo: [30, 300],
};

describe.each(['memory', 'postgres', 'dynamo'] as const)('parallel batches on %s', (adapter) => {
  let opened: OpenedStore | undefined;

  beforeAll(async () => {
    opened = await openStore(adapter);
  });

  afterAll(async () => {
    await opened?.close();
  });

  it('keep every invariant whatever the interleaving', async () => {
    const store = opened?.store;
    if (!store) throw new Error('the store did not open');
    await fc.assert(
      fc.asyncProperty(parallelBatches(LONG ? 16 : 8), (batch) => runParallelBatch(store, batch)),
      fcParameters(runs(...budgets[adapter])),
    );
  });
});
