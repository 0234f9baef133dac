import type { TransactWriteItem } from '@aws-sdk/lib-dynamodb';
import { RETRY, forEachLimit, optimistic } from './concurrency.js';
import type { DynamoContext } from './dynamo-context.js';
import { batchGet, transactWrite } from './dynamo-ops.js';
import type { GuardedRecordSet } from './guarded-put-many.js';

/** Records per transaction: each takes two items (the record and its guard) of DynamoDB's 100. */
const RECORDS_PER_TRANSACTION = 25;

/**
 * Deletes records that hold unique values together with their guards, so the email or slug is free again. Each
 * transaction deletes a record only at the version and value read, and its guard only while the guard still names it;
 * a concurrent write that moved either is read again. Ids not stored are skipped.
 */
export async function deleteManyGuarded<T extends { readonly id: string; readonly version: number }>(
  context: DynamoContext,
  set: GuardedRecordSet<T>,
  ids: readonly string[],
  what: string,
): Promise<void> {
  const chunks: string[][] = [];
  for (let offset = 0; offset < ids.length; offset += RECORDS_PER_TRANSACTION) {
    chunks.push(ids.slice(offset, offset + RECORDS_PER_TRANSACTION));
  }
  await forEachLimit(chunks, 4, async (chunk) => {
    await optimistic(what, async () => {
      const stored = (await batchGet(context, chunk.map(set.recordKey), what)).map(set.toDomain);
      if (stored.length === 0) return true;
      const writes: TransactWriteItem[] = stored.flatMap((record): TransactWriteItem[] => {
        const value = record[set.unique] as string;
        return [
          {
            Delete: {
              TableName: context.tableName,
              Key: set.recordKey(record.id),
              ConditionExpression: '#version = :version AND #unique = :unique',
              ExpressionAttributeNames: { '#version': 'version', '#unique': set.unique },
              ExpressionAttributeValues: { ':version': record.version, ':unique': value },
            },
          },
          {
            Delete: {
              TableName: context.tableName,
              Key: set.guardKey(value),
              ConditionExpression: 'attribute_not_exists(pk) OR #holder = :id',
              ExpressionAttributeNames: { '#holder': set.holder },
              ExpressionAttributeValues: { ':id': record.id },
            },
          },
        ];
      });
      const result = await transactWrite(context, writes, what, { retryConflicts: false });
      return result.ok ? true : RETRY;
    });
  });
}
