import { runContractSuite } from '@cohort/testkit';
import { createMemoryStore } from '../src/index.js';

/** How long the contract's memory stores keep a change: the lost-position test moves the clock past it. */
const CHANGE_RETENTION_MS = 7 * 86_400_000;

/** The contract suite on the memory store; the two `*.contract.test.ts` files differ only in time zone. */
export function runMemoryContract(timeZone?: string): void {
  runContractSuite({
    name: 'memory',
    ...(timeZone ? { timeZone } : {}),
    setup: ({ clock }) => Promise.resolve(createMemoryStore({ clock, changeRetentionMs: CHANGE_RETENTION_MS })),
    changeFeed: {
      // The store's clock moves past the retention: the changes after the subscription's position are dropped.
      losePosition: ({ clock }) => {
        clock.advance(CHANGE_RETENTION_MS + 1);
        return Promise.resolve();
      },
    },
  });
}
