import { CohortError } from '@cohort/core';
import { MAX_OPTIMISTIC_ATTEMPTS, OPTIMISTIC_BACKOFF, backoffDelay, sleep } from './retry.js';

/** Runs `task` over `items` with at most `limit` in flight; the first failure rejects (others finish first). */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (next < items.length && errors.length === 0) {
      const item = items[next] as T;
      next += 1;
      try {
        await task(item);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length > 0) throw errors[0];
}

/** Attempts a guard lookup makes before treating a guard that names a record without that key as stale. */
export const LOOKUP_ATTEMPTS = 3;

/** Returned by an optimistic attempt whose condition failed because something moved: read again and retry. */
export const RETRY = Symbol('retry');

/**
 * Runs a read-then-conditional-write attempt until it returns a value, backing off with jitter between attempts;
 * gives up with UNAVAILABLE when contention never lets it through.
 */
export async function optimistic<T>(what: string, attempt: (index: number) => Promise<T | typeof RETRY>): Promise<T> {
  for (let index = 0; index < MAX_OPTIMISTIC_ATTEMPTS; index += 1) {
    const result = await attempt(index);
    if (result !== RETRY) return result;
    await sleep(backoffDelay(index, OPTIMISTIC_BACKOFF.baseMs, OPTIMISTIC_BACKOFF.capMs));
  }
  throw CohortError.unavailable(`${what} kept meeting concurrent writes; retry later`);
}
