import type { Page } from '@cohort/core';

// A store that keeps handing out cursors would loop forever; no contract test needs anywhere near this many pages.
const MAX_PAGES = 100_000;

/** Walks a list from its first page to its last (`fetch(null)` first, then each `nextCursor`) and returns every item. */
export async function collectAll<T>(fetch: (cursor: string | null) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < MAX_PAGES; pages += 1) {
    const page: Page<T> = await fetch(cursor);
    items.push(...page.items);
    if (page.nextCursor === null) return items;
    if (page.nextCursor === cursor) throw new Error('The list returned the cursor it was given: it would never end');
    cursor = page.nextCursor;
  }
  throw new Error(`The list did not end within ${MAX_PAGES} pages`);
}
