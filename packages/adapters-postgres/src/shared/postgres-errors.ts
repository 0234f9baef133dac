import { CohortError } from '@cohort/core';
import { isNetworkError } from '@cohort/core/adapter';

/**
 * The one place where pg and TypeORM errors become CohortErrors (every repository goes through it), so callers only
 * ever switch on `code`. The original error always travels as `cause`.
 */

/** What a broken unique constraint means, by constraint name (anything unlisted still becomes CONFLICT). */
const uniqueMessages: Record<string, string> = {
  users_email_key: 'A user with that email already exists',
  communities_slug_key: 'A community with that slug already exists',
};

/** Which parent a foreign key points at, by constraint name: a violation means that parent does not exist. */
const parents: Record<string, string> = {
  enrollments_content_id_fkey: 'Content',
  registrations_event_id_fkey: 'Event',
  memberships_community_id_fkey: 'Community',
  posts_community_id_fkey: 'Community',
  comments_post_id_fkey: 'Post',
  reactions_post_id_fkey: 'Post',
};

// pg's own connection messages (socket error codes are core's isNetworkError): the server is down or went away.
const connectionMessages = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection timeout/i,
  /not connected/i,
  /client has encountered a connection error/i,
  /cannot use a pool after calling end/i,
  /client was closed/i,
  /query read timeout/i,
];

interface DriverError {
  readonly code?: unknown;
  readonly constraint?: unknown;
  readonly detail?: unknown;
  readonly message?: unknown;
}

/** The pg error under TypeORM's QueryFailedError wrapper (or the error itself). */
function driverErrorOf(error: unknown): DriverError {
  if (typeof error !== 'object' || error === null) return {};
  const wrapped = (error as { driverError?: unknown }).driverError;
  return typeof wrapped === 'object' && wrapped !== null ? wrapped : error;
}

/** The SQLSTATE of a server error (five characters), or undefined for anything else. */
export function sqlStateOf(error: unknown): string | undefined {
  const code = driverErrorOf(error).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Serialization failures and deadlocks: the transaction lost a race and running it again is correct. */
export function isRetryableConflict(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state === '40001' || state === '40P01';
}

// pg's own timeouts: a statement's query_timeout, the pool's wait for a connection, a connection attempt.
const timeoutMessages = [
  /query read timeout/i,
  /timeout exceeded when trying to connect/i,
  /connection terminated due to connection timeout/i,
  /^timeout expired$/i,
];

/** True when pg gave up waiting for the server (the store's deadline): nothing the server said. */
export function isTimeout(error: unknown): boolean {
  if (CohortError.is(error)) return false;
  const message = driverErrorOf(error).message;
  return typeof message === 'string' && timeoutMessages.some((pattern) => pattern.test(message));
}

/** Turns anything thrown by pg or TypeORM into a CohortError; CohortErrors pass through untouched. */
export function toCohortError(error: unknown): CohortError {
  if (CohortError.is(error)) return error;
  const driver = driverErrorOf(error);
  const state = sqlStateOf(error);
  const constraint = typeof driver.constraint === 'string' ? driver.constraint : '';
  const message = typeof driver.message === 'string' ? driver.message : String(error);
  if (state !== undefined) {
    if (state === '23505') {
      return CohortError.conflict(uniqueMessages[constraint] ?? `Duplicate key (${constraint || message})`, error);
    }
    if (state === '23503') {
      const parent = parents[constraint] ?? 'Referenced record';
      const key = /\)=\(([^)]*)\)/.exec(typeof driver.detail === 'string' ? driver.detail : '')?.[1] ?? '';
      return new CohortError('NOT_FOUND', `${parent} ${key} does not exist`.replace(/\s+/g, ' ').trim(), {
        cause: error,
      });
    }
    if (state === '23514')
      return CohortError.conflict(`The change would break a rule of the store (${constraint})`, error);
    if (state.startsWith('22') || state === '23502') {
      // Data exceptions (a date outside PostgreSQL's range, say): the value cannot be stored, so it is the input's fault.
      return new CohortError('VALIDATION', `The store cannot hold this value: ${message}`, { cause: error });
    }
    if (state === '40001' || state === '40P01') {
      return CohortError.unavailable('The store kept losing a race with concurrent writes; try again', error);
    }
    if (state === '57014') return CohortError.unavailable('The store timed out', error);
    if (state === '25P03') {
      return CohortError.unavailable(
        'PostgreSQL ended the transaction because this process sent nothing in it for longer than ' +
          'idle_in_transaction_session_timeout (the process stalled or was frozen); none of it was written',
        error,
      );
    }
    if (state.startsWith('42')) {
      return CohortError.unavailable(
        `The store's schema is missing or outdated (run runPostgresMigrations): ${message}`,
        error,
      );
    }
    return CohortError.unavailable(`The store failed: ${message}`, error);
  }
  if (isNetworkError(driver) || connectionMessages.some((pattern) => pattern.test(message))) {
    return CohortError.unavailable(`The store is unreachable: ${message}`, error);
  }
  return CohortError.unavailable(`The store failed: ${message}`, error);
}
