import { AsyncLocalStorage } from 'node:async_hooks';
import { CohortError } from './cohort-error.js';

/** How long a port call waits for its store to answer unless the store's `timeoutMs` says otherwise. */
export const DEFAULT_TIMEOUT_MS = 10_000;

const thousands = new Intl.NumberFormat('en-US');

/**
 * The time a port call has left, for adapters (DESIGN: every call ends). It starts at `timeoutMs` when the call starts
 * and only an answer from the store renews it: waiting for a pooled connection or a seat, requests that get no answer,
 * failed attempts and the backoff between retries all spend it, while a bulk call (a putMany of a thousand records, a
 * request per batch) goes on as long as each of its requests is answered.
 */
export class Deadline {
  readonly started = Date.now();
  private until: number;
  /** Set when the port call returned: work it left running (a background loop) gets deadlines of its own. */
  private done = false;

  constructor(
    /** The store, e.g. `PostgreSQL`: what the expiry message names first. */
    readonly store: string,
    /** The port call, e.g. `events.register`: what the expiry message names. */
    readonly what: string,
    readonly timeoutMs: number,
  ) {
    this.until = this.started + timeoutMs;
  }

  /** Whether the port call this deadline bounds has returned. */
  get finished(): boolean {
    return this.done;
  }

  finish(): void {
    this.done = true;
  }

  /** Milliseconds left (zero or less: expired). */
  remaining(): number {
    return this.until - Date.now();
  }

  /** The store answered: the call may wait another `timeoutMs` for its next answer. */
  answered(): void {
    this.until = Math.max(this.until, Date.now() + this.timeoutMs);
  }

  /** The UNAVAILABLE a call ends with when its time is up (the last driver error as `cause`). */
  expired(cause?: unknown): CohortError {
    const elapsed = Date.now() - this.started;
    return CohortError.unavailable(
      `${this.store} ${this.what} did not answer within ${thousands.format(this.timeoutMs)} ms ` +
        `(${thousands.format(elapsed)} ms elapsed)`,
      cause,
    );
  }

  /** A signal that aborts when the time left now runs out, with `expired()` as its reason; `dispose` when done. */
  timer(): { readonly signal: AbortSignal; dispose(): void } {
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(this.expired()), Math.max(0, this.remaining()));
    // A pending deadline must not keep a process alive that has nothing else to do.
    timeout.unref();
    return { signal: controller.signal, dispose: () => clearTimeout(timeout) };
  }
}

const current = new AsyncLocalStorage<Deadline>();

/**
 * The deadline of the port call running now; a new one of `timeoutMs` for work outside any (it names `what`),
 * including work a call started and left running after it returned.
 */
export function deadlineOf(store: string, what: string, timeoutMs: number): Deadline {
  const deadline = current.getStore();
  return deadline && !deadline.finished ? deadline : new Deadline(store, what, timeoutMs);
}

/**
 * `port` with every method call run under a deadline of its own, named `<name>.<method>`. Methods call each other
 * on the unwrapped object, so one port call keeps one deadline however its work is split.
 */
export function withDeadlines<T extends object>(store: string, port: T, name: string, timeoutMs: number): T {
  type Method = (...args: unknown[]) => unknown;
  const wrapped = new WeakMap<Method, Method>();
  return new Proxy(port, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function' || typeof property !== 'string' || property === 'constructor') return value;
      const original = value as Method;
      let method = wrapped.get(original);
      if (method === undefined) {
        const what = `${name}.${property}`;
        method = (...args: unknown[]): unknown => {
          const deadline = new Deadline(store, what, timeoutMs);
          const result = current.run(deadline, () => original.apply(target, args));
          if (result instanceof Promise) {
            const finish = (): void => deadline.finish();
            result.then(finish, finish);
          } else {
            deadline.finish();
          }
          return result;
        };
        wrapped.set(original, method);
      }
      return method;
    },
  });
}

/**
 * `work`, or the deadline's expiry as soon as it passes, whichever comes first; `late` gets what `work` brings after
 * the call gave up on it (a connection to hand back to the pool). An outcome that arrives in the same turn of the
 * event loop as the expiry still counts.
 */
export function beforeDeadline<T>(deadline: Deadline, work: Promise<T>, late?: (value: T) => void): Promise<T> {
  const timer = deadline.timer();
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let gaveUp = false;
    timer.signal.addEventListener(
      'abort',
      () =>
        setImmediate(() => {
          if (settled) return;
          gaveUp = true;
          reject(timer.signal.reason as Error);
        }),
      { once: true },
    );
    work.then(
      (value) => {
        settled = true;
        timer.dispose();
        if (gaveUp) late?.(value);
        else resolve(value);
      },
      (error: unknown) => {
        settled = true;
        timer.dispose();
        // The driver's error, as it threw it: the client translates it.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        if (!gaveUp) reject(error);
      },
    );
  });
}

/** `deadlineOf` and `withDeadlines` for one store, so an adapter names its store once. */
export function storeDeadlines(store: string) {
  return {
    deadlineOf: (what: string, timeoutMs: number): Deadline => deadlineOf(store, what, timeoutMs),
    withDeadlines: <T extends object>(port: T, name: string, timeoutMs: number): T =>
      withDeadlines(store, port, name, timeoutMs),
  };
}
