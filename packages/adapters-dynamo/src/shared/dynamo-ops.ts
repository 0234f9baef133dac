import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type BatchWriteWriteRequest,
  type DeleteCommandInput,
  type PutCommandInput,
  type QueryCommandInput,
  type TransactWriteItem,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { CohortError } from '@cohort/core';
import { fromAttributeMap } from './attribute-values.js';
import { commitStamp, stampItem, stampTransactItem, stampUpdate } from './committed-at.js';
import { call, type DynamoContext } from './dynamo-context.js';
import { isConditionalCheckFailed, isTransactionCanceled, toCohortError } from './dynamo-errors.js';
import { MAX_ATTEMPTS, backoffDelay, sleep } from './retry.js';

/** The most items one Query request asks for (DynamoDB stops at 1 MB anyway). */
const MAX_QUERY_LIMIT = 1000;

/** A stored item as the document client returns it. */
export type Item = Record<string, unknown>;

/** A primary key (pk, sk); start keys of index queries add the index's key attributes. */
export type Key = Record<string, string>;

type Without<T, K extends keyof T> = Omit<T, K>;

/** The condition part of a write. */
export interface WriteCondition {
  readonly ConditionExpression?: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, unknown>;
}

/** A strongly consistent read of one item. */
export async function getItem(context: DynamoContext, key: Key, what: string): Promise<Item | undefined> {
  const output = await call(context, what, (abortSignal) =>
    context.client.send(new GetCommand({ TableName: context.tableName, Key: key, ConsistentRead: true }), {
      abortSignal,
    }),
  );
  return output.Item;
}

/** A conditional put: false when the condition failed. */
export async function putItem(
  context: DynamoContext,
  input: Without<PutCommandInput, 'TableName'>,
  what: string,
): Promise<boolean> {
  const stamped = { ...input, Item: stampItem(input.Item ?? {}, commitStamp(context)) };
  try {
    await call(context, what, (abortSignal) =>
      context.client.send(new PutCommand({ ...stamped, TableName: context.tableName }), { abortSignal }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw toCohortError(error, what);
  }
}

/** A conditional update returning the attributes asked for; null when the condition failed. */
export async function updateItem(
  context: DynamoContext,
  input: Without<UpdateCommandInput, 'TableName'>,
  what: string,
): Promise<Item | null> {
  const stamped = stampUpdate(input, commitStamp(context));
  try {
    const output = await call(context, what, (abortSignal) =>
      context.client.send(new UpdateCommand({ ...stamped, TableName: context.tableName }), { abortSignal }),
    );
    return output.Attributes ?? {};
  } catch (error) {
    if (isConditionalCheckFailed(error)) return null;
    throw toCohortError(error, what);
  }
}

/** A conditional delete returning the old item (when asked); null when the condition failed. */
export async function deleteItem(
  context: DynamoContext,
  input: Without<DeleteCommandInput, 'TableName'>,
  what: string,
): Promise<Item | null> {
  try {
    const output = await call(context, what, (abortSignal) =>
      context.client.send(new DeleteCommand({ ...input, TableName: context.tableName }), { abortSignal }),
    );
    return output.Attributes ?? {};
  } catch (error) {
    if (isConditionalCheckFailed(error)) return null;
    throw toCohortError(error, what);
  }
}

/**
 * Queries until `want` items are collected or the key range is exhausted. A response shorter than its Limit only
 * means DynamoDB stopped at 1 MB, so the end is known from a missing LastEvaluatedKey, never from a short count.
 */
export async function queryItems(
  context: DynamoContext,
  input: Without<QueryCommandInput, 'TableName' | 'Limit'>,
  want: number,
  what: string,
): Promise<Item[]> {
  const items: Item[] = [];
  let start = input.ExclusiveStartKey;
  do {
    const output = await call(context, what, (abortSignal) =>
      context.client.send(
        new QueryCommand({
          ...input,
          TableName: context.tableName,
          ExclusiveStartKey: start,
          Limit: Math.min(want - items.length, MAX_QUERY_LIMIT),
        }),
        { abortSignal },
      ),
    );
    items.push(...(output.Items ?? []));
    start = output.LastEvaluatedKey;
  } while (start !== undefined && items.length < want);
  return items;
}

/** One Query request: up to `limit` items and where the next request would resume (undefined at the end). */
export async function queryOnce(
  context: DynamoContext,
  input: Without<QueryCommandInput, 'TableName' | 'Limit'>,
  limit: number,
  what: string,
): Promise<{ items: Item[]; next: Key | undefined }> {
  const output = await call(context, what, (abortSignal) =>
    context.client.send(new QueryCommand({ ...input, TableName: context.tableName, Limit: limit }), { abortSignal }),
  );
  return { items: output.Items ?? [], next: output.LastEvaluatedKey as Key | undefined };
}

/** Every item of a key range (for bounded ranges: a post's children, one day of counters). */
export async function queryAll(
  context: DynamoContext,
  input: Without<QueryCommandInput, 'TableName' | 'Limit'>,
  what: string,
): Promise<Item[]> {
  return queryItems(context, input, Number.MAX_SAFE_INTEGER, what);
}

/** How many items a key range holds (Select COUNT, paged through LastEvaluatedKey). */
export async function countQuery(
  context: DynamoContext,
  input: Without<QueryCommandInput, 'TableName' | 'Limit' | 'Select'>,
  what: string,
): Promise<number> {
  let total = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const output = await call(context, what, (abortSignal) =>
      context.client.send(
        new QueryCommand({ ...input, TableName: context.tableName, Select: 'COUNT', ExclusiveStartKey: start }),
        { abortSignal },
      ),
    );
    total += output.Count ?? 0;
    start = output.LastEvaluatedKey;
  } while (start !== undefined);
  return total;
}

function keyString(key: Record<string, unknown>): string {
  return `${String(key.pk)}\u0000${String(key.sk)}`;
}

/**
 * Strongly consistent reads of many items by key, 100 per request, retrying UnprocessedKeys with backoff.
 * Returns the items found, in the order of `keys`.
 */
export async function batchGet(context: DynamoContext, keys: readonly Key[], what: string): Promise<Item[]> {
  const found = new Map<string, Item>();
  const unique = [...new Map(keys.map((key) => [keyString(key), key])).values()];
  for (let offset = 0; offset < unique.length; offset += 100) {
    let pending: Record<string, unknown>[] = unique.slice(offset, offset + 100);
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt >= MAX_ATTEMPTS) throw CohortError.unavailable(`DynamoDB left keys unprocessed for ${what}`);
      if (attempt > 0) await sleep(backoffDelay(attempt));
      const output = await call(context, what, (abortSignal) =>
        context.client.send(
          new BatchGetCommand({ RequestItems: { [context.tableName]: { Keys: pending, ConsistentRead: true } } }),
          { abortSignal },
        ),
      );
      for (const item of output.Responses?.[context.tableName] ?? []) found.set(keyString(item), item);
      pending = output.UnprocessedKeys?.[context.tableName]?.Keys ?? [];
    }
  }
  return keys.map((key) => found.get(keyString(key))).filter((item): item is Item => item !== undefined);
}

/** One write of a batch: a put of a whole item or a delete by key. */
export type BatchWrite = { readonly put: Item } | { readonly delete: Key };

/**
 * Unconditional puts and deletes, 25 per request, retrying UnprocessedItems with backoff until every one is done.
 * Two writes to the same key must not share a call (DynamoDB rejects that); callers dedupe first.
 */
export async function batchWrite(context: DynamoContext, writes: readonly BatchWrite[], what: string): Promise<void> {
  const at = commitStamp(context);
  for (let offset = 0; offset < writes.length; offset += 25) {
    let pending: BatchWriteWriteRequest[] = writes
      .slice(offset, offset + 25)
      .map((write) =>
        'put' in write ? { PutRequest: { Item: stampItem(write.put, at) } } : { DeleteRequest: { Key: write.delete } },
      );
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt >= MAX_ATTEMPTS) throw CohortError.unavailable(`DynamoDB left writes unprocessed for ${what}`);
      if (attempt > 0) await sleep(backoffDelay(attempt));
      const output = await call(context, what, (abortSignal) =>
        context.client.send(new BatchWriteCommand({ RequestItems: { [context.tableName]: pending } }), { abortSignal }),
      );
      pending = output.UnprocessedItems?.[context.tableName] ?? [];
    }
  }
}

/**
 * The outcome of a transaction: committed, or cancelled with one reason code per item ('None' for items that passed)
 * and, for items written with ReturnValuesOnConditionCheckFailure ALL_OLD whose condition failed, the item as it was.
 */
export type TransactionResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reasons: readonly string[]; readonly items: readonly (Item | undefined)[] };

export interface TransactionOptions {
  /**
   * Retry TransactionConflict cancellations here (default true). Read-then-write loops pass false: the conflicting
   * transaction has probably moved what their conditions rest on, so they re-read rather than resend.
   */
  readonly retryConflicts?: boolean;
}

const RETRYABLE_REASONS = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded']);

/**
 * Runs a transaction (at most 100 items). TransactionConflict and throttling cancellations are retried with jittered
 * backoff (then UNAVAILABLE); a cancellation caused by a failed condition is returned with its reasons, so the caller
 * can tell a taken guard (CONFLICT) from a stale version (CONCURRENCY) from a missing parent (NOT_FOUND).
 */
export async function transactWrite(
  context: DynamoContext,
  items: readonly TransactWriteItem[],
  what: string,
  options: TransactionOptions = {},
): Promise<TransactionResult> {
  if (items.length === 0) return { ok: true };
  // One token for every retry of this transaction: if a response was lost after DynamoDB committed, the retry is
  // answered as the committed original instead of running (and counting) again.
  const at = commitStamp(context);
  const input = {
    TransactItems: items.map((item) => stampTransactItem(item, at)),
    ClientRequestToken: globalThis.crypto.randomUUID(),
  };
  for (let attempt = 0; ; attempt += 1) {
    try {
      await call(context, what, (abortSignal) => context.client.send(new TransactWriteCommand(input), { abortSignal }));
      return { ok: true };
    } catch (error) {
      if (!isTransactionCanceled(error)) throw toCohortError(error, what);
      const cancellations = error.CancellationReasons ?? [];
      const reasons = cancellations.map((reason) => reason.Code ?? 'None');
      const stale = () => ({
        ok: false as const,
        reasons,
        items: cancellations.map((reason) =>
          reason.Item ? fromAttributeMap(reason.Item as Record<string, Record<string, unknown>>) : undefined,
        ),
      });
      if (reasons.includes('ConditionalCheckFailed')) return stale();
      // A transaction whose conditions rest on a read is stale once a conflicting one commits: read again instead.
      if (options.retryConflicts === false && reasons.includes('TransactionConflict')) return stale();
      if (!reasons.some((reason) => RETRYABLE_REASONS.has(reason))) {
        throw toCohortError(error, what);
      }
      if (attempt + 1 >= MAX_ATTEMPTS * 2) {
        throw CohortError.unavailable(`DynamoDB kept cancelling ${what} (${reasons.join(', ')}); retry later`, error);
      }
      await sleep(backoffDelay(attempt, 10, 500));
    }
  }
}

/** Whether the transaction item at `index` failed its condition. */
export function failedAt(result: TransactionResult, index: number): boolean {
  return !result.ok && result.reasons[index] === 'ConditionalCheckFailed';
}
