import { CohortError, type CohortStore, type PortName } from '@cohort/core';
import { normalize } from '../verify/digest.js';
import { callPort, wrapPort } from './ports.js';

/** How a shadow comparison ended. */
export type ShadowOutcome = 'matched' | 'mismatched' | 'timed-out' | 'failed';

/** One shadow comparison, published through `onShadowResult`. */
export interface ShadowResult {
  readonly port: PortName;
  readonly method: string;
  readonly outcome: ShadowOutcome;
  /** Which store served the caller. */
  readonly servedBy: 'primary' | 'secondary';
  /** How long the serving store took. */
  readonly servedMs: number;
  /** How long the shadow store took, or null when it timed out. */
  readonly shadowMs: number | null;
  /** For `mismatched`: where the results first differ, e.g. `items[3].commentCount: 4 != 5`. */
  readonly difference: string | null;
  /** For `failed`: the shadow store's error. */
  readonly error: string | null;
}

export interface ShadowReadOptions {
  /** Share of reads compared, 0–1 (default 1). */
  readonly sampleRate?: number;
  /** How long a shadow read may take before it counts as timed out (default 250 ms). */
  readonly timeoutMs?: number;
  /** Where results go; a throwing hook is ignored. */
  readonly onShadowResult?: (result: ShadowResult) => void;
  /** Random numbers in [0, 1) for sampling (default Math.random). */
  readonly random?: () => number;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

const TIMED_OUT = Symbol('timed out');

function isPage(value: unknown): value is { items: unknown[]; nextCursor: string | null } {
  return typeof value === 'object' && value !== null && Array.isArray((value as { items?: unknown }).items);
}

/**
 * Pages compare by their items and by whether another page follows; the cursor text itself is each store's own
 * business. Everything is compared normalized (Dates as ISO text, keys sorted).
 */
function comparable(value: unknown): unknown {
  if (isPage(value)) return normalize({ items: value.items, more: value.nextCursor !== null });
  return normalize(value);
}

/** The path where two normalized values first differ, or null when they are equal. */
export function firstDifference(left: unknown, right: unknown, path = ''): string | null {
  if (Object.is(left, right)) return null;
  const show = (value: unknown) => (value === undefined ? 'absent' : JSON.stringify(value));
  if (typeof left !== 'object' || typeof right !== 'object' || left === null || right === null) {
    return `${path || 'result'}: ${show(left)} != ${show(right)}`;
  }
  if (Array.isArray(left) !== Array.isArray(right)) return `${path || 'result'}: ${show(left)} != ${show(right)}`;
  if (Array.isArray(left) && Array.isArray(right)) {
    if (left.length !== right.length) return `${path}.length: ${left.length} != ${right.length}`;
    for (let i = 0; i < left.length; i += 1) {
      const found = firstDifference(left[i], right[i], `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  const l = left as Record<string, unknown>;
  const r = right as Record<string, unknown>;
  for (const key of [...new Set([...Object.keys(l), ...Object.keys(r)])].sort()) {
    const found = firstDifference(l[key], r[key], path ? `${path}.${key}` : key);
    if (found) return found;
  }
  return null;
}

function errorText(error: unknown): string {
  if (CohortError.is(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Serves reads from one store and compares a sample of them against the other in the background. The caller gets
 * the serving store's answer (or error) as soon as it has it: the shadow read starts afterwards, is never awaited by
 * the caller, is cut off after `timeoutMs`, and its errors and the hook's are swallowed.
 */
export class ShadowReader {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: ShadowReadOptions = {}) {}

  async read(
    port: PortName,
    method: string,
    args: readonly unknown[],
    serving: { store: CohortStore; name: 'primary' | 'secondary' },
    shadow: CohortStore | null,
  ): Promise<unknown> {
    const started = performance.now();
    const outcome: Outcome = await callPort(serving.store, port, method, args).then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    const servedMs = performance.now() - started;
    if (shadow !== null && this.sampled())
      this.track(this.compare(port, method, args, serving.name, shadow, outcome, servedMs));
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /** Resolves once every shadow comparison started so far has published its result. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private sampled(): boolean {
    const rate = this.options.sampleRate ?? 1;
    return rate >= 1 || (rate > 0 && (this.options.random ?? Math.random)() < rate);
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch(() => undefined).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  private async compare(
    port: PortName,
    method: string,
    args: readonly unknown[],
    servedBy: 'primary' | 'secondary',
    shadow: CohortStore,
    served: Outcome,
    servedMs: number,
  ): Promise<void> {
    const timeoutMs = this.options.timeoutMs ?? 250;
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
      timer.unref();
    });
    const call = Promise.resolve()
      .then(() => callPort(shadow, port, method, args))
      .then(
        (value): Outcome => ({ ok: true, value }),
        (error: unknown): Outcome => ({ ok: false, error }),
      );
    const raced = await Promise.race([call, deadline]).finally(() => clearTimeout(timer));
    const base = { port, method, servedBy, servedMs };
    let result: ShadowResult;
    if (raced === TIMED_OUT) {
      result = { ...base, outcome: 'timed-out', shadowMs: null, difference: null, error: null };
    } else {
      const shadowMs = performance.now() - started;
      result = { ...base, shadowMs, ...judge(served, raced) };
    }
    try {
      this.options.onShadowResult?.(result);
    } catch {
      // A hook must never break anything.
    }
  }
}

function judge(served: Outcome, shadow: Outcome): Pick<ShadowResult, 'outcome' | 'difference' | 'error'> {
  if (served.ok && shadow.ok) {
    const difference = firstDifference(comparable(served.value), comparable(shadow.value));
    return { outcome: difference === null ? 'matched' : 'mismatched', difference, error: null };
  }
  if (!served.ok && !shadow.ok) {
    const same =
      CohortError.is(served.error) && CohortError.is(shadow.error) && served.error.code === shadow.error.code;
    return same
      ? { outcome: 'matched', difference: null, error: null }
      : {
          outcome: 'mismatched',
          difference: `errors: ${errorText(served.error)} != ${errorText(shadow.error)}`,
          error: null,
        };
  }
  if (!shadow.ok) return { outcome: 'failed', difference: null, error: errorText(shadow.error) };
  return {
    outcome: 'mismatched',
    difference: `served error ${errorText((served as { error: unknown }).error)}, shadow returned a result`,
    error: null,
  };
}

/** A port whose reads are served by the primary and compared against the secondary; writes go to the primary only. */
export function shadowRead<P extends PortName>(
  port: P,
  primary: CohortStore,
  secondary: CohortStore,
  options: ShadowReadOptions = {},
): CohortStore[P] & { readonly reader: ShadowReader } {
  const reader = new ShadowReader(options);
  const wrapped = wrapPort(port, (method, args, kind) =>
    kind === 'read'
      ? reader.read(port, method, args, { store: primary, name: 'primary' }, secondary)
      : callPort(primary, port, method, args),
  );
  return Object.assign(wrapped, { reader });
}
