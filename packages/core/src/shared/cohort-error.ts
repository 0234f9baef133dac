/**
 * Every failure that crosses a port is one of these codes; callers switch on `code`, never on messages.
 * POSITION_LOST is the change feed's: the store no longer holds the changes after a position (past its retention, or
 * its log was dropped), so the consumer must take a new snapshot. It is none of the others: the position is well
 * formed (not VALIDATION), retrying cannot bring the changes back (not UNAVAILABLE), and the cure is specific.
 */
export type CohortErrorCode =
  'VALIDATION' | 'NOT_FOUND' | 'CONFLICT' | 'CONCURRENCY' | 'FORBIDDEN' | 'UNAVAILABLE' | 'POSITION_LOST';

/** One problem with an input, with the path of the offending field (as zod reports it). */
export interface ValidationIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

// A registry-wide symbol rather than `instanceof`, so the check survives two copies of @cohort/core in one process.
const brand = Symbol.for('@cohort/core/CohortError');

export interface CohortErrorOptions {
  /** The driver or library error this one translates. */
  readonly cause?: unknown;
  /** Field-level problems, for VALIDATION. */
  readonly issues?: readonly ValidationIssue[];
}

export class CohortError extends Error {
  readonly code: CohortErrorCode;
  readonly issues: readonly ValidationIssue[];
  private readonly [brand] = true;

  constructor(code: CohortErrorCode, message: string, options: CohortErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CohortError';
    this.code = code;
    this.issues = options.issues ?? [];
  }

  /** True for UNAVAILABLE: the store failed or timed out and the same call may succeed later. */
  get retryable(): boolean {
    return this.code === 'UNAVAILABLE';
  }

  static is(value: unknown, code?: CohortErrorCode): value is CohortError {
    const branded = typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
    return branded && (code === undefined || (value as CohortError).code === code);
  }

  static validation(message: string, issues: readonly ValidationIssue[] = []): CohortError {
    return new CohortError('VALIDATION', message, { issues });
  }

  static notFound(what: string, key: string): CohortError {
    return new CohortError('NOT_FOUND', `${what} ${key} does not exist`);
  }

  static conflict(message: string, cause?: unknown): CohortError {
    return new CohortError('CONFLICT', message, { cause });
  }

  static concurrency(what: string, key: string, expectedVersion: number): CohortError {
    return new CohortError('CONCURRENCY', `${what} ${key} is no longer at version ${expectedVersion}; read it again`);
  }

  static forbidden(message: string): CohortError {
    return new CohortError('FORBIDDEN', message);
  }

  static unavailable(message: string, cause?: unknown): CohortError {
    return new CohortError('UNAVAILABLE', message, { cause });
  }

  /** A change-feed position the store can no longer serve: the changes after it are gone, take a new snapshot. */
  static positionLost(message: string, cause?: unknown): CohortError {
    return new CohortError('POSITION_LOST', message, { cause });
  }
}
