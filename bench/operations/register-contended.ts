import { newId, type CohortStore } from '@cohort/core';
import type { BenchData } from '../stores/bench-data.js';
import { createEvent, registerWithDynamo, registerWithPg, verifyRawRegister, type RegisterInput } from './register.js';
import type { CasePlan, Operation, Side } from './operation.js';

/**
 * A fresh event per batch with seats for half the batch: the first half of the callers take seats, the rest join
 * the waitlist, all 16 callers racing for the same event row or item.
 */
function contendedPlan(
  store: CohortStore,
  data: BenchData,
  raw: (input: RegisterInput) => Promise<unknown>,
): CasePlan<RegisterInput> {
  const current: Record<Side, string | null> = { adapter: null, raw: null };
  return {
    note: 'one event per batch, seats for half the batch, the rest waitlisted',
    async beforeBatch(side, calls) {
      current[side] = await createEvent(store, data, Math.max(1, Math.floor(calls / 2)));
    },
    input: (_index, side) => ({ eventId: current[side] as string, userId: newId() }),
    adapter: ({ eventId, userId }) => store.events.register(eventId, userId),
    raw,
    verify: async () => verifyRawRegister(store, await createEvent(store, data, 10), raw),
  };
}

/** `events.register` under contention: 16 callers registering for one event at once. */
export const registerContended: Operation = {
  id: 'register-contended',
  name: 'register, 16 callers on one event',
  kind: 'write',
  concurrencies: [16],
  postgres: ({ store, pool, data }) => contendedPlan(store, data, (input) => registerWithPg(pool, input)),
  dynamo: (bench) => contendedPlan(bench.store, bench.data, (input) => registerWithDynamo(bench, input)),
};
