import { AsyncLocalStorage } from 'node:async_hooks';
import { systemClock, type Clock } from '@cohort/core';

/**
 * A clock both stores of a strangler can share so that a mirrored write stamps the same instant in both: inside
 * `pin`, every `now()` of that async call chain returns the instant the pin started. Some records can only be
 * mirrored by repeating the operation on the secondary (a reaction has no read port to copy it from); with a shared
 * MirrorClock the repeat stamps the primary's `createdAt` exactly.
 */
export interface MirrorClock extends Clock {
  /** Runs `work` with `now()` held at one instant (an enclosing pin's, if any). */
  pin<T>(work: () => Promise<T>): Promise<T>;
}

const brand = Symbol.for('@cohort/migrate/MirrorClock');

/** A MirrorClock over `base` (the system clock by default): pass it to both stores' factories and to the strangler. */
export function createMirrorClock(base: Clock = systemClock): MirrorClock {
  const pinned = new AsyncLocalStorage<Date>();
  return {
    [brand]: true,
    now: () => {
      const at = pinned.getStore();
      return at === undefined ? base.now() : new Date(at.getTime());
    },
    pin: <T>(work: () => Promise<T>): Promise<T> =>
      pinned.getStore() === undefined ? pinned.run(base.now(), work) : work(),
  } as MirrorClock;
}

/** Whether a clock is a MirrorClock (so writes should be pinned). */
export function isMirrorClock(clock: Clock): clock is MirrorClock {
  return (clock as unknown as Record<symbol, unknown>)[brand] === true;
}
