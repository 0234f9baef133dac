import { CohortError, MAX_SCAN_LIMIT, type Page, type RecordSet } from '@cohort/core';

/** Where a scan resumes: null starts at the beginning. */
export type ScanCursor = string | null;

/** Calls `work`, retrying UNAVAILABLE (the one retryable code) with a short exponential backoff. */
export async function withRetry<T>(work: () => Promise<T>, retries = 4, signal?: AbortSignal): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= retries || !CohortError.is(error, 'UNAVAILABLE') || signal?.aborted) throw error;
      await sleep(Math.min(2_000, 50 * 2 ** attempt));
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Reads a whole record set in the largest pages the migration face serves (MAX_SCAN_LIMIT, 1,000 records: each page
 * costs a store round trip or more, so fewer pages is most of a scan's speed), asking for the next page before
 * handing the current one to `onPage`, so reading overlaps with whatever `onPage` does.
 */
export async function scanAll<T>(
  set: RecordSet<T>,
  onPage: (items: readonly T[]) => void | Promise<void>,
  options: { signal?: AbortSignal } = {},
): Promise<number> {
  const read = (cursor: ScanCursor): Promise<Page<T>> =>
    withRetry(() => set.scan(cursor === null ? { limit: MAX_SCAN_LIMIT } : { cursor, limit: MAX_SCAN_LIMIT }));
  let scanned = 0;
  let next: Promise<Page<T>> | null = read(null);
  while (next !== null) {
    options.signal?.throwIfAborted();
    const page: Page<T> = await next;
    next = page.nextCursor === null ? null : read(page.nextCursor);
    // A failed prefetch must not become an unhandled rejection while onPage runs; it is awaited on the next turn.
    next?.catch(() => undefined);
    scanned += page.items.length;
    await onPage(page.items);
  }
  return scanned;
}
