import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, parsePageRequest, toPage, type CursorKey, type Page, type PageRequest } from '@cohort/core';
import type { DynamoContext } from './dynamo-context.js';
import { batchGet, queryItems, queryOnce, type Item, type Key } from './dynamo-ops.js';

type QueryShape = Omit<QueryCommandInput, 'TableName' | 'Limit' | 'ExclusiveStartKey'>;

/** One keyset-paged list served by a single Query (table or index) whose items are whole records. */
export interface KeysetList<T> {
  /** Names the query and its filter values, so a cursor only resumes the query that issued it. */
  readonly scope: string;
  /** How many values the cursor key holds. */
  readonly arity: number;
  readonly page: PageRequest | undefined;
  readonly query: QueryShape;
  /** Rebuilds the ExclusiveStartKey (table and index keys) from a cursor's domain values, via the keys module. */
  readonly startKey: (cursor: CursorKey) => Key;
  readonly toDomain: (item: Item) => T;
  /** The domain values a cursor resumes after (dates as epoch ms, then tie-breakers). */
  readonly keyOf: (record: T) => CursorKey;
  readonly what: string;
}

/** Validates the page request and cursor before any I/O. */
export function parsePage(page: PageRequest | undefined, scope: string, arity: number) {
  const { cursor, limit } = parsePageRequest(page);
  return { limit, cursor: cursor ? decodeCursor(scope, cursor, arity) : null };
}

/** Fetches limit + 1 items (across LastEvaluatedKey when DynamoDB stops short) and makes the page. */
export async function keysetPage<T>(context: DynamoContext, list: KeysetList<T>): Promise<Page<T>> {
  const { limit, cursor } = parsePage(list.page, list.scope, list.arity);
  const start = cursor ? list.startKey(cursor) : undefined;
  const items = await queryItems(context, { ...list.query, ExclusiveStartKey: start }, limit + 1, list.what);
  return toPage(items.map(list.toDomain), limit, list.scope, list.keyOf);
}

/** One partition a multi-partition read visits, with where to start inside it. */
export interface PartitionStart {
  readonly query: QueryShape;
  readonly start?: Key;
}

/**
 * Reads `want` records from partitions in order. With `keysOnly`, the partitions belong to a KEYS_ONLY index and
 * each chunk of keys is fetched with a consistent BatchGet (records deleted meanwhile are skipped, and reading goes
 * on so the page still fills).
 */
export async function readPartitions<T>(
  context: DynamoContext,
  partitions: readonly PartitionStart[],
  want: number,
  options: { readonly keysOnly: boolean; readonly toDomain: (item: Item) => T; readonly what: string },
): Promise<T[]> {
  const rows: T[] = [];
  for (const partition of partitions) {
    let start = partition.start;
    while (rows.length < want) {
      const { items, next } = await queryOnce(
        context,
        { ...partition.query, ExclusiveStartKey: start },
        want - rows.length,
        options.what,
      );
      const records = options.keysOnly
        ? await batchGet(
            context,
            items.map((item) => ({ pk: String(item.pk), sk: String(item.sk) })),
            options.what,
          )
        : items;
      rows.push(...records.map(options.toDomain));
      if (next === undefined) break;
      start = next;
    }
    if (rows.length >= want) break;
  }
  return rows.slice(0, want);
}
