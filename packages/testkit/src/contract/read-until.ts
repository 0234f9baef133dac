import type { Change, ChangeReader } from '@cohort/core';

/** How long a test waits for changes to come through a feed (PostgreSQL decodes asynchronously). */
export const FEED_TIMEOUT_MS = 10_000;
/** One read's wait: short enough that a satisfied predicate is noticed soon. */
const READ_WAIT_MS = 1_000;

/**
 * Reads `reader` until `done(changes so far)` holds or `timeoutMs` passes, with `waitMs` reads (no sleeps); returns
 * everything read. The caller asserts on the result, so a timeout fails with the changes that did come.
 */
export async function readUntil(
  reader: ChangeReader,
  done: (changes: readonly Change[]) => boolean,
  timeoutMs = FEED_TIMEOUT_MS,
): Promise<Change[]> {
  const changes: Change[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!done(changes)) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    changes.push(...(await reader.read({ waitMs: Math.min(left, READ_WAIT_MS) })));
  }
  return changes;
}
