/**
 * At most `width` tasks per key running at once, the rest queued per key in arrival order; different keys run
 * concurrently. Adapters use it to turn a burst of writes to one hot item (a hundred registrations for one event)
 * into a short queue instead of a storm of failed conditions and retries, and the migration toolkit (width 1) to
 * keep the writes to one record in order. It only orders work inside this process: correctness across processes
 * must still come from the store (conditional writes, transactions).
 */
export class KeyedGate {
  private readonly active = new Map<string, { running: number; waiting: (() => void)[] }>();

  constructor(private readonly width: number) {
    if (!Number.isSafeInteger(width) || width < 1) throw new RangeError('KeyedGate width must be a whole number ≥ 1');
  }

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    let slot = this.active.get(key);
    if (!slot) {
      slot = { running: 0, waiting: [] };
      this.active.set(key, slot);
    }
    if (slot.running >= this.width) {
      const current = slot;
      await new Promise<void>((resolve) => current.waiting.push(resolve));
    } else {
      slot.running += 1;
    }
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
