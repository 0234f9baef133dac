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
 * Reads a record set to its end in pages of `limit` (default MAX_SCAN_LIMIT, 1,000 records: each page costs a store
 * round trip or more, so fewer pages is most of a scan's speed), from the start or after the cursor `from`. The next
 * page is asked for before the current one is handed to `onPage` (with the cursor after it, null at the end), so
 * reading overlaps with whatever `onPage` does, one page ahead.
 */
export async function scanAll<T>(
  set: RecordSet<T>,
  onPage: (items: readonly T[], nextCursor: ScanCursor) => void | Promise<void>,
  options: { signal?: AbortSignal | undefined; limit?: number; from?: ScanCursor } = {},
): Promise<number> {
  const limit = options.limit ?? MAX_SCAN_LIMIT;
  const read = (cursor: ScanCursor): Promise<Page<T>> =>
    withRetry(() => set.scan(cursor === null ? { limit } : { cursor, limit }));
  let scanned = 0;
  let next: Promise<Page<T>> | null = read(options.from ?? null);
  while (next !== null) {
    options.signal?.throwIfAborted();
    const page: Page<T> = await next;
    next = page.nextCursor === null ? null : read(page.nextCursor);
    // A failed prefetch must not become an unhandled rejection while onPage runs; it is awaited on the next turn.
    next?.catch(() => undefined);
    scanned += page.items.length;
    await onPage(page.items, page.nextCursor);
  }
  return scanned;
}
