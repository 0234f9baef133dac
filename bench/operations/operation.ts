import type { DynamoBench } from '../stores/dynamo.js';
import type { PostgresBench } from '../stores/postgres.js';

/** The adapter under test, or the raw driver running the same statements by hand. */
export type Side = 'adapter' | 'raw';

/**
 * One hot operation on one store, ready to measure. `input` builds a call's arguments before the clock starts;
 * `adapter` and `raw` do the same work, through the port and through the driver.
 */
export interface CasePlan<I = unknown> {
  /** The arguments of call number `index` (counted per side, never reused, so writes always get fresh data). */
  input(index: number, side: Side): I;
  adapter(input: I): Promise<unknown>;
  raw(input: I): Promise<unknown>;
  /** Runs before each batch of calls of one side (warm-up and every round), e.g. to make a fresh event. */
  beforeBatch?(side: Side, calls: number): Promise<void>;
  /** Runs both sides once before measuring and throws unless they did the same work (same rows, readable writes). */
  verify(): Promise<void>;
  /** A word on what exactly is measured, e.g. `page 51, after 1,000 posts`. */
  readonly note?: string;
}

export interface Operation {
  /** Stable key in the JSON results, e.g. `feed-deep-page`. */
  readonly id: string;
  /** The table's name for it. */
  readonly name: string;
  readonly kind: 'read' | 'write';
  /** Concurrencies it is measured at (default 1 and 16). */
  readonly concurrencies?: readonly number[];
  postgres(bench: PostgresBench): CasePlan | Promise<CasePlan>;
  dynamo(bench: DynamoBench): CasePlan | Promise<CasePlan>;
}

/** Throws unless the two sides returned the same thing (compared as JSON). */
export function expectSame(what: string, adapter: unknown, raw: unknown): void {
  const a = JSON.stringify(adapter);
  const r = JSON.stringify(raw);
  if (a !== r)
    throw new Error(
      `${what}: the raw statement does not return what the adapter returns\nadapter: ${a}\nraw:     ${r}`,
    );
}

/** Throws unless the list is not empty: a benchmark of empty pages measures nothing. */
export function expectRows(what: string, rows: readonly unknown[]): void {
  if (rows.length === 0)
    throw new Error(`${what}: the sample returned no rows; the platform was not loaded as expected`);
}

/** Picks item `index` of a non-empty list, cycling. */
export function cycle<T>(items: readonly T[], index: number): T {
  if (items.length === 0) throw new Error('nothing to pick from');
  return items[index % items.length] as T;
}
