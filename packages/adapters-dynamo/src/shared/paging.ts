import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { type Page, type PageRequest, type ScanRequest } from '@cohort/core';
import {
  KeyedGate,
  decodeCursor,
  parsePageRequest,
  parseScanRequest,
  toPage,
  type CursorKey,
  type CursorPart,
} from '@cohort/core/adapter';
import type { DynamoContext } from './dynamo-context.js';
import { batchGet, queryItems, queryOnce, type Item, type Key } from './dynamo-ops.js';

export type QueryShape = Omit<QueryCommandInput, 'TableName' | 'Limit' | 'ExclusiveStartKey'>;

/** The Query shape that reads one partition of a list index in sort-key order, or newest first. */
export function indexPartitionQuery(
  index: { readonly name: string; readonly partitionKey: string },
  partition: string,
  order: 'ascending' | 'newestFirst' = 'ascending',
): QueryShape {
  return {
    IndexName: index.name,
    KeyConditionExpression: '#p = :p',
    ExpressionAttributeNames: { '#p': index.partitionKey },
    ExpressionAttributeValues: { ':p': partition },
    ...(order === 'newestFirst' ? { ScanIndexForward: false } : {}),
  };
}

/** One keyset-paged list served by a single Query (table or index) whose items are whole records. */
export interface KeysetList<T> {
  /** Names the query and its filter values, so a cursor only resumes the query that issued it. */
  readonly scope: string;
  /** The kind of each value of the cursor key (core checks each as it decodes a cursor). */
  readonly parts: readonly CursorPart[];
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
export function parsePage(page: PageRequest | undefined, scope: string, parts: readonly CursorPart[]) {
  const { cursor, limit } = parsePageRequest(page);
  return { limit, cursor: cursor ? (decodeCursor(scope, cursor, parts) as CursorKey) : null };
}

/** Validates a migration-face scan request (pages of up to MAX_SCAN_LIMIT) and its cursor before any I/O. */
export function parseScanPage(page: ScanRequest | undefined, scope: string, parts: readonly CursorPart[]) {
  const { cursor, limit } = parseScanRequest(page);
  return { limit, cursor: cursor ? (decodeCursor(scope, cursor, parts) as CursorKey) : null };
}

/** Fetches limit + 1 items (across LastEvaluatedKey when DynamoDB stops short) and makes the page. */
export async function keysetPage<T>(context: DynamoContext, list: KeysetList<T>): Promise<Page<T>> {
  const { limit, cursor } = parsePage(list.page, list.scope, list.parts);
  const start = cursor ? list.startKey(cursor) : undefined;
  const items = await queryItems(context, { ...list.query, ExclusiveStartKey: start }, limit + 1, list.what);
  return toPage(items.map(list.toDomain), limit, list.scope, list.keyOf);
}

/** One partition a multi-partition read visits, with where to start inside it. */
export interface PartitionStart {
  readonly query: QueryShape;
  readonly start?: Key;
}

/** BatchGetItem requests (100 keys each) one read of a keys-only index keeps in flight. */
const BATCH_GETS_IN_FLIGHT = 4;

/** Every item the adapter writes carries `_type`; an index entry without it is a KEYS_ONLY projection's. */
const isWholeItem = (item: Item): boolean => item._type !== undefined;

/**
 * Reads `want` records from partitions in order. The table and every index project whole items, so one Query serves
 * a page. A table created before the scan index projected ALL (its scan index is KEYS_ONLY) returns keys instead:
 * they are fetched by consistent BatchGets of 100, several in flight and each started as soon as its keys are known;
 * records deleted meanwhile are skipped, and reading goes on so the page still fills.
 */
export async function readPartitions<T>(
  context: DynamoContext,
  partitions: readonly PartitionStart[],
  want: number,
  options: { readonly toDomain: (item: Item) => T; readonly what: string },
): Promise<T[]> {
  const rows: T[] = [];
  let index = 0;
  let start = partitions[0]?.start;
  while (rows.length < want && index < partitions.length) {
    const needed = want - rows.length;
    const fetches: Promise<Item[]>[] = [];
    // One key: within this read the gate is a plain limit on BatchGets in flight.
    const gate = new KeyedGate(BATCH_GETS_IN_FLIGHT);
    let gathered = 0;
    try {
      while (gathered < needed && index < partitions.length) {
        const partition = partitions[index] as PartitionStart;
        const { items, next } = await queryOnce(
          context,
          { ...partition.query, ExclusiveStartKey: start },
          needed - gathered,
          options.what,
        );
        if (!items.every(isWholeItem)) {
          const keys = items.map((item): Key => ({ pk: String(item.pk), sk: String(item.sk) }));
          for (let offset = 0; offset < keys.length; offset += 100) {
            const chunk = keys.slice(offset, offset + 100);
            fetches.push(gate.run(options.what, () => batchGet(context, chunk, options.what)));
          }
        } else {
          fetches.push(Promise.resolve(items));
        }
        gathered += items.length;
        if (next === undefined) {
          index += 1;
          start = partitions[index]?.start;
        } else {
          start = next;
        }
      }
    } catch (error) {
      // The fetches already started must not end as unhandled rejections.
      for (const fetch of fetches) fetch.catch(() => undefined);
      throw error;
    }
    for (const items of await Promise.all(fetches)) rows.push(...items.map(options.toDomain));
  }
  return rows.slice(0, want);
}
