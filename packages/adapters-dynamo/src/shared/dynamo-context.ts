import type { Clock } from '@cohort/core';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isTransient, toCohortError } from './dynamo-errors.js';
import { MAX_ATTEMPTS, backoffDelay, sleep } from './retry.js';

/** What every repository of one store shares: the client, the table, the clock and the activity retention. */
export interface DynamoContext {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly clock: Clock;
  /** Days an activity event lives before DynamoDB's TTL removes it. */
  readonly activityRetentionDays: number;
}

/**
 * Runs one DynamoDB call, retrying throttling, transaction conflicts on single-item writes, server errors and
 * dropped connections with jittered backoff (on top of the SDK's own retries). Conditional failures and cancelled
 * transactions are rethrown untouched for the caller to interpret; anything else becomes a CohortError.
 */
export async function call<T>(what: string, operation: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (name === 'ConditionalCheckFailedException' || name === 'TransactionCanceledException') throw error;
      if (!isTransient(error) || attempt + 1 >= MAX_ATTEMPTS) throw toCohortError(error, what);
      await sleep(backoffDelay(attempt));
    }
  }
}
