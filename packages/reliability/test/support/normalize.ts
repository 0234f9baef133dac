import { CohortError, type Page, type PageRequest } from '@cohort/core';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A comparable copy of a result: ids a run knows become their symbolic names, other UUIDs (minted and never seen,
 * like activity ids a store made up) become `<uuid>`, and dates become ISO strings.
 */
export function normalize(value: unknown, nameOf: (id: string) => string | undefined): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'date:invalid' : `date:${value.toISOString()}`;
  if (typeof value === 'string') {
    const name = nameOf(value);
    if (name !== undefined) return `<${name}>`;
    return UUID.test(value) ? '<uuid>' : value;
  }
  if (Array.isArray(value)) return value.map((item) => normalize(item, nameOf));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, item]) => [key, normalize(item, nameOf)]),
    );
  }
  return value;
}

/** What a call did: its value, or the code of the CohortError it threw (anything else is named as such). */
export type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

export async function outcomeOf(action: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await action() };
  } catch (error) {
    if (CohortError.is(error)) return { ok: false, error: error.code };
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { ok: false, error: `not a CohortError (${detail})` };
  }
}

/** Pages of a list, walked with `limit` until the last one (at most `maxPages`), cursors dropped. */
export async function walkPages<T>(
  fetch: (page: PageRequest) => Promise<Page<T>>,
  limit: number,
  maxPages = 40,
): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await fetch({ cursor, limit });
    pages.push(page.items);
    cursor = page.nextCursor;
  } while (cursor !== null && pages.length < maxPages);
  if (cursor !== null) pages.push([]); // marks a list that did not end within maxPages
  return pages;
}

/** Every item of a list (pages of 100). */
export async function everyItem<T>(fetch: (page: PageRequest) => Promise<Page<T>>): Promise<T[]> {
  return (await walkPages(fetch, 100, 1_000)).flat();
}
