import type { Clock } from '@cohort/core';
import type { KeyedGate } from '@cohort/core/adapter';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { deadlineOf } from './deadline.js';
import { isTransient, toCohortError } from './dynamo-errors.js';
import { MAX_ATTEMPTS, backoffDelay, sleep } from './retry.js';

/** What every repository of one store shares: the client, the table, the clock and the activity retention. */
export interface DynamoContext {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly clock: Clock;
  /** Days an activity event lives before DynamoDB's TTL removes it. */
  readonly activityRetentionDays: number;
  /** How long a port call waits for DynamoDB to answer, retries included (see Deadline). */
  readonly timeoutMs: number;
}

/**
 * Runs one DynamoDB call, retrying throttling, transaction conflicts on single-item writes, server errors and
 * dropped connections with jittered backoff (on top of the SDK's own retries), within the port call's deadline:
 * `operation` gets a signal that aborts the request in flight when the deadline passes (pass it to `send` as
 * `abortSignal`), the call is given up at that moment even if the client ignores the signal, and no retry starts
 * that could not begin before the deadline. Conditional failures and cancelled transactions are rethrown untouched
 * for the caller to interpret; anything else becomes a CohortError (UNAVAILABLE naming the call when time ran out).
 */
export async function call<T>(
  context: DynamoContext,
  what: string,
  operation: (abortSignal: AbortSignal) => Promise<T>,
): Promise<T> {
  const deadline = deadlineOf(what, context.timeoutMs);
  let lastError: unknown;
  for (let attempt = 0; ; attempt += 1) {
    if (deadline.remaining() <= 0) throw deadline.expired(lastError);
    const timer = deadline.timer();
    try {
      const result = await untilAborted(operation(timer.signal), timer.signal);
      deadline.answered();
      return result;
    } catch (error) {
      if (timer.signal.aborted) throw deadline.expired(error === timer.signal.reason ? lastError : error);
      const name = error instanceof Error ? error.name : '';
      if (name === 'ConditionalCheckFailedException' || name === 'TransactionCanceledException') {
        deadline.answered();
        throw error;
      }
      if (!isTransient(error) || attempt + 1 >= MAX_ATTEMPTS) throw toCohortError(error, what);
      lastError = error;
      const delay = backoffDelay(attempt);
      // The next attempt could not start before the deadline: give up now rather than sleep into it.
      if (delay >= deadline.remaining()) throw deadline.expired(error);
      await sleep(delay);
    } finally {
      timer.dispose();
    }
  }
}

/**
 * Runs `task` through `gate` under `key`, waiting for a place no longer than the port call's deadline: a caller queued
 * behind writes stuck on a silent DynamoDB leaves the queue with UNAVAILABLE instead of waiting for them.
 */
export async function throughGate<T>(
  context: DynamoContext,
  gate: KeyedGate,
  key: string,
  what: string,
  task: () => Promise<T>,
): Promise<T> {
  const timer = deadlineOf(what, context.timeoutMs).timer();
  try {
    return await gate.run(key, task, { signal: timer.signal });
  } finally {
    timer.dispose();
  }
}

/**
 * `work`, or a rejection as soon as the signal aborts, whichever comes first. A client that honours the signal
 * rejects at once with its own error (an AbortError), which is kept as the driver's word: it gets one turn of the
 * event loop to say it before the signal's reason is used instead.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const abort = (): void => {
      setImmediate(() => {
        if (!settled) reject(signal.reason as Error);
      });
    };
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
    work.then(
      (value) => {
        settled = true;
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        settled = true;
        signal.removeEventListener('abort', abort);
        // Whatever the client threw, as it threw it: call() translates it.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(error);
      },
    );
  });
}
