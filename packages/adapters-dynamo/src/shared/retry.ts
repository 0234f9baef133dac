/** How long to wait before retry `attempt` (0-based): full jitter over a capped exponential, as AWS recommends. */
export function backoffDelay(attempt: number, baseMs = 15, capMs = 800): number {
  return Math.floor(Math.random() * Math.min(capMs, baseMs * 2 ** attempt));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Attempts for write paths that may meet contention (transaction conflicts, throttling, unprocessed items). */
export const MAX_ATTEMPTS = 12;

/** Attempts for read-then-conditional-write loops whose condition fails when a concurrent write got there first. */
export const MAX_OPTIMISTIC_ATTEMPTS = 200;

/**
 * Backoff between optimistic attempts: shorter than for throttling, since a lost race on one item clears as soon as
 * the winner's write lands (tuned on the contract's 100-caller bursts: 5 ms base, 250 ms cap).
 */
export const OPTIMISTIC_BACKOFF = { baseMs: 5, capMs: 250 } as const;
