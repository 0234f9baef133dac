import { type Page, type PageRequest, type ScanRequest } from '@cohort/core';
import { toPage, type CursorKey, type CursorPart } from '@cohort/core/adapter';
import { TABLE } from '../table-definition.js';
import type { DynamoContext } from './dynamo-context.js';
import { countQuery, type Item, type Key } from './dynamo-ops.js';
import { parsePage, parseScanPage, readPartitions, type PartitionStart } from './paging.js';

/** The Query shape that reads one partition of the scan index in ascending order. */
export function scanIndexQuery(partition: string, before?: string): PartitionStart['query'] {
  return {
    IndexName: TABLE.scan.name,
    KeyConditionExpression: before === undefined ? '#p = :p' : '#p = :p AND #s < :before',
    ExpressionAttributeNames: {
      '#p': TABLE.scan.partitionKey,
      ...(before === undefined ? {} : { '#s': TABLE.scan.sortKey }),
    },
    ExpressionAttributeValues: { ':p': partition, ...(before === undefined ? {} : { ':before': before }) },
  };
}

/** A record set (or list) served by one partition of the scan index. */
export interface ScanIndexList<T> {
  readonly scope: string;
  /** The kind of each value of the cursor key. */
  readonly parts: readonly CursorPart[];
  readonly partition: string;
  /** The ExclusiveStartKey (scan index and table keys) after the record a cursor names, via the keys module. */
  readonly startKey: (cursor: CursorKey) => Key;
  readonly toDomain: (item: Item) => T;
  readonly keyOf: (record: T) => CursorKey;
  readonly what: string;
}

/** A page of a list in scan-index order (at most MAX_PAGE_LIMIT records): keys from the index, records by BatchGet. */
export function scanIndexPage<T>(
  context: DynamoContext,
  list: ScanIndexList<T>,
  page: PageRequest | undefined,
): Promise<Page<T>> {
  return readScanIndex(context, list, parsePage(page, list.scope, list.parts));
}

/** A migration-face scan page (at most MAX_SCAN_LIMIT records), read as `scanIndexPage` reads a list's. */
export function recordSetScanPage<T>(
  context: DynamoContext,
  list: ScanIndexList<T>,
  page: ScanRequest | undefined,
): Promise<Page<T>> {
  return readScanIndex(context, list, parseScanPage(page, list.scope, list.parts));
}

async function readScanIndex<T>(
  context: DynamoContext,
  list: ScanIndexList<T>,
  { limit, cursor }: { limit: number; cursor: CursorKey | null },
): Promise<Page<T>> {
  const start = cursor ? list.startKey(cursor) : undefined;
  const rows = await readPartitions(
    context,
    [{ query: scanIndexQuery(list.partition), ...(start ? { start } : {}) }],
    limit + 1,
    { toDomain: list.toDomain, what: list.what },
  );
  return toPage(rows, limit, list.scope, list.keyOf);
}

/** How many records a scan-index partition holds. */
export function countScanPartition(context: DynamoContext, partition: string, what: string): Promise<number> {
  return countQuery(context, scanIndexQuery(partition), what);
}
