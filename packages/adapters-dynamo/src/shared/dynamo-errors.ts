import { CohortError } from '@cohort/core';
import { isNetworkError } from '@cohort/core/adapter';

// The one place that knows the AWS SDK's error vocabulary; nothing from the SDK crosses a port.

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'Throttling',
  'TooManyRequestsException',
]);

const TRANSIENT = new Set([
  ...THROTTLING,
  'TransactionConflictException',
  'TransactionInProgressException',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);

function nameOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return undefined;
  const metadata = error.$metadata as { httpStatusCode?: number } | undefined;
  return metadata?.httpStatusCode;
}

/** True for a conditional write that lost its condition (outside a transaction). */
export function isConditionalCheckFailed(error: unknown): boolean {
  return nameOf(error) === 'ConditionalCheckFailedException';
}

/** True for a transaction DynamoDB cancelled; its CancellationReasons say why. */
export function isTransactionCanceled(error: unknown): error is Error & {
  CancellationReasons?: { Code?: string; Message?: string; Item?: Record<string, unknown> }[];
} {
  return nameOf(error) === 'TransactionCanceledException';
}

/** Failures worth retrying with backoff: throttling, transaction conflicts, server errors, dropped connections. */
export function isTransient(error: unknown): boolean {
  const name = nameOf(error);
  if (TRANSIENT.has(name)) return true;
  if (name === 'TimeoutError' || name === 'RequestTimeout' || name === 'RequestTimeoutException') return true;
  if (isNetworkError(error)) return true;
  const status = statusOf(error);
  return status !== undefined && status >= 500;
}

/**
 * Turns anything a DynamoDB call threw into a CohortError: throttling that outlived the retries, server errors,
 * network failures and a missing table are UNAVAILABLE (with the SDK error as `cause`); a request DynamoDB rejects
 * as malformed (an altered cursor's start key) is VALIDATION.
 */
export function toCohortError(error: unknown, what: string): CohortError {
  if (CohortError.is(error)) return error;
  const name = nameOf(error);
  if (THROTTLING.has(name)) {
    return CohortError.unavailable(`DynamoDB is throttling ${what}; retry later`, error);
  }
  if (name === 'ResourceNotFoundException') {
    return CohortError.unavailable(`DynamoDB table for ${what} does not exist (run ensureTable)`, error);
  }
  if (name === 'ValidationException') {
    const message = error instanceof Error ? error.message : String(error);
    return new CohortError('VALIDATION', `DynamoDB rejected ${what}: ${message}`, { cause: error });
  }
  if (isTransient(error)) {
    return CohortError.unavailable(`DynamoDB is unavailable for ${what}`, error);
  }
  const message = error instanceof Error ? error.message : String(error);
  return CohortError.unavailable(`DynamoDB failed ${what}: ${message}`, error);
}
