import type { Clock, CohortStore } from '@cohort/core';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { TestClock } from '../clock/test-clock.js';
import type { ContractContext } from './contract-context.js';
import { Fixtures } from './fixtures.js';
import { activityContract } from './groups/activity.contract.js';
import { changeFeedContract, type ChangeFeedContractOptions } from './groups/change-feed.contract.js';
import { communityContract } from './groups/community.contract.js';
import { concurrencyContract } from './groups/concurrency.contract.js';
import { contentContract } from './groups/content.contract.js';
import { controlRecordsContract, type ControlRecordsContractOptions } from './groups/control-records.contract.js';
import { errorsContract } from './groups/errors.contract.js';
import { eventsContract } from './groups/events.contract.js';
import { hostileInputContract } from './groups/hostile-input.contract.js';
import { hostileTextContract } from './groups/hostile-text.contract.js';
import { instantRangeContract } from './groups/instant-range.contract.js';
import { migrationFaceContract } from './groups/migration-face.contract.js';
import { paginationContract } from './groups/pagination.contract.js';
import { postsContract } from './groups/posts.contract.js';
import { timeContract } from './groups/time.contract.js';
import { usersContract } from './groups/users.contract.js';
import { validationContract } from './groups/validation.contract.js';

export interface ContractSuiteOptions {
  /** Names the adapter in test titles, e.g. `postgres`. */
  readonly name: string;
  /**
   * Returns a new, empty store implementing every port, reading time from `clock`. Called once for the shared
   * store and again for each isolated store a group asks for; every call must return an independent store.
   */
  readonly setup: (context: { readonly clock: Clock }) => Promise<CohortStore>;
  /** Releases what `setup` made (drops the schema, deletes the table, closes clients). */
  readonly teardown?: (store: CohortStore) => Promise<void>;
  /** Per-test timeout in ms; real stores need more than vitest's 5 s for the concurrency tests. Default 30,000. */
  readonly timeout?: number;
  /**
   * Runs the suite with `process.env.TZ` set to this IANA zone (restored afterwards), to prove that no local time
   * leaks into stored or returned values; `Asia/Kathmandu` (+05:45) catches whole-hour assumptions too. Needs a
   * process of its own per test file (vitest's default `forks` pool): worker threads ignore a change of TZ, and the
   * suite fails at once rather than pass without the zone in effect.
   */
  readonly timeZone?: string;
  /**
   * The change-feed group. A store without `changeFeed` must declare why (`{ absent: 'reason' }`, reported as a
   * skipped test titled with it); otherwise the group fails, asking for the feed or the reason. A store with a feed
   * may give `losePosition` to have the group check POSITION_LOST.
   */
  readonly changeFeed?: ChangeFeedContractOptions;
  /** The control-records group. A store without `control` must declare why (`{ absent: 'reason' }`). */
  readonly controlRecords?: ControlRecordsContractOptions;
}

/**
 * Registers the whole contract suite (every port, plus validation, pagination, concurrency, migration face,
 * errors, time, hostile text, the instant range, hostile input and the change feed) with vitest. Call it from one
 * spec file of your adapter.
 */
export function runContractSuite(options: ContractSuiteOptions): void {
  const clock = new TestClock();
  const stores: CohortStore[] = [];
  let shared: CohortStore | undefined;

  const context: ContractContext = {
    name: options.name,
    clock,
    store: () => {
      if (!shared) throw new Error('The contract store is only available inside tests and hooks');
      return shared;
    },
    fixtures: new Fixtures(() => context.store(), clock),
    isolatedStore: async () => {
      const store = await options.setup({ clock });
      stores.push(store);
      return store;
    },
  };

  const title = options.timeZone ? `contract: ${options.name} (TZ=${options.timeZone})` : `contract: ${options.name}`;
  describe(title, { timeout: options.timeout ?? 30_000 }, () => {
    let restoreTimeZone = (): void => undefined;
    beforeAll(async () => {
      if (options.timeZone) restoreTimeZone = switchTimeZone(options.timeZone);
      shared = await context.isolatedStore();
    }, 120_000);
    afterEach(() => clock.reset());
    afterAll(async () => {
      for (const store of stores.splice(0)) await options.teardown?.(store);
      restoreTimeZone();
    }, 120_000);

    usersContract(context);
    contentContract(context);
    eventsContract(context);
    communityContract(context);
    postsContract(context);
    activityContract(context);
    validationContract(context);
    paginationContract(context);
    concurrencyContract(context);
    migrationFaceContract(context);
    errorsContract(context);
    timeContract(context);
    hostileTextContract(context);
    instantRangeContract(context);
    hostileInputContract(context);
    changeFeedContract(context, options.changeFeed);
    controlRecordsContract(context, options.controlRecords);
  });
}

/** Sets process.env.TZ and checks that this process's Dates now use it; returns the undo. */
function switchTimeZone(timeZone: string): () => void {
  const previous = process.env['TZ'];
  process.env['TZ'] = timeZone;
  const probe = new Date(Date.UTC(2026, 0, 15, 12));
  const wanted = probe.toLocaleString('en-US', { timeZone, hour12: false });
  const local = probe.toLocaleString('en-US', { hour12: false });
  if (wanted !== local) {
    throw new Error(
      `runContractSuite: setting TZ=${timeZone} did not change this process's local time (worker threads ignore it); ` +
        'run the contract file in a process of its own (vitest pool "forks")',
    );
  }
  return () => {
    if (previous === undefined) delete process.env['TZ'];
    else process.env['TZ'] = previous;
  };
}
