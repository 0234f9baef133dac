/** How a caller waits for its turn at a KeyedGate. */
export interface GateWaitOptions {
  /**
   * Gives up waiting when this aborts (the caller's deadline): the caller leaves the queue and `run` rejects with the
   * signal's reason, without running the task. A task that already started is not affected.
   */
  readonly signal?: AbortSignal;
}

interface Slot {
  running: number;
  readonly waiting: (() => void)[];
}

/**
 * At most `width` tasks per key running at once, the rest queued per key in arrival order; different keys run
 * concurrently. Adapters use it to turn a burst of writes to one hot item (a hundred registrations for one event)
 * into a short queue instead of a storm of failed conditions and retries, and the migration toolkit (width 1) to
 * keep the writes to one record in order. It only orders work inside this process: correctness across processes
 * must still come from the store (conditional writes, transactions). A caller with a deadline passes a signal, so that
 * a task stuck on a store that stopped answering never holds the queue behind it past the callers' deadlines.
 */
export class KeyedGate {
  private readonly active = new Map<string, Slot>();

  constructor(private readonly width: number) {
    if (!Number.isSafeInteger(width) || width < 1) throw new RangeError('KeyedGate width must be a whole number ≥ 1');
  }

  async run<T>(key: string, task: () => Promise<T>, options: GateWaitOptions = {}): Promise<T> {
    let slot = this.active.get(key);
    if (!slot) {
      slot = { running: 0, waiting: [] };
      this.active.set(key, slot);
    }
    if (slot.running >= this.width) await turn(slot, options.signal);
    else slot.running += 1;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, so a newcomer cannot overtake the queue.
      const next = slot.waiting.shift();
      if (next) next();
      else {
        slot.running -= 1;
        if (slot.running === 0) this.active.delete(key);
      }
    }
  }
}

/** Resolves when a finishing task hands its place to this caller; rejects (leaving the queue) if `signal` aborts first. */
function turn(slot: Slot, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<void>((resolve, reject) => {
    const admit = (): void => {
      signal?.removeEventListener('abort', leave);
      resolve();
    };
    const leave = (): void => {
      const index = slot.waiting.indexOf(admit);
      // Not queued any more: the place was handed over first, and the caller runs.
      if (index < 0) return;
      slot.waiting.splice(index, 1);
      reject(signal?.reason as Error);
    };
    slot.waiting.push(admit);
    signal?.addEventListener('abort', leave, { once: true });
  });
}
