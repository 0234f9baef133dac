import type { Clock } from '@cohort/core';

/**
 * A clock tests can stop and move. It follows real time until `freeze`, so stores see ordinary timestamps by
 * default and a test that needs identical or chosen timestamps asks for them.
 */
export class TestClock implements Clock {
  private frozenAt: number | null = null;

  now(): Date {
    return new Date(this.frozenAt ?? Date.now());
  }

  /** Holds the clock at `at` until `advance`, another `freeze` or `reset`. */
  freeze(at: Date = new Date()): void {
    this.frozenAt = at.getTime();
  }

  /** Moves a frozen clock forward by `ms` (freezing it at now first if it was running). */
  advance(ms: number): void {
    this.frozenAt = (this.frozenAt ?? Date.now()) + ms;
  }

  /** Back to real time. */
  reset(): void {
    this.frozenAt = null;
  }
}
