import type { TransactWriteItem } from '@aws-sdk/lib-dynamodb';
import { CohortError, parseRecords, type Page, type ScanRequest, type RecordSet, type User } from '@cohort/core';
import { RETRY, forEachLimit, lastByKey, optimistic } from '../shared/concurrency.js';
import type { DynamoContext } from '../shared/dynamo-context.js';
import { failedAt, getItem, transactWrite } from '../shared/dynamo-ops.js';
import { cursorString } from '../shared/item-format.js';
import { countScanPartition, recordSetScanPage } from '../shared/scan-index.js';
import { emailGuardItem, toUser, toUserItem } from './user.items.js';
import { userKeys } from './user.keys.js';

/** The users record set: scans the scan index in id order; putMany moves email guards with each user. */
export class DynamoUserRecordSet implements RecordSet<User> {
  constructor(private readonly context: DynamoContext) {}

  async scan(page?: ScanRequest): Promise<Page<User>> {
    return recordSetScanPage(
      this.context,
      {
        scope: 'recordSets.users',
        arity: 1,
        partition: userKeys.scanPartition,
        startKey: (cursor) => userKeys.scanStart(cursorString(cursor, 0)),
        toDomain: toUser,
        keyOf: (user) => [user.id],
        what: 'users.scan',
      },
      page,
    );
  }

  async putMany(records: readonly User[]): Promise<void> {
    const users = lastByKey(parseRecords('users', records), (user) => user.id);
    await forEachLimit(users, 8, (user) => this.putOne(user));
  }

  async count(): Promise<number> {
    return countScanPartition(this.context, userKeys.scanPartition, 'users.count');
  }

  private async putOne(user: User): Promise<void> {
    const { tableName } = this.context;
    await optimistic('users.putMany', async () => {
      const item = await getItem(this.context, userKeys.user(user.id), 'users.putMany');
      const previous = item ? toUser(item) : null;
      const writes: TransactWriteItem[] = [
        {
          Put: {
            TableName: tableName,
            Item: toUserItem(user),
            ...(previous
              ? {
                  ConditionExpression: '#version = :version AND email = :email',
                  ExpressionAttributeNames: { '#version': 'version' },
                  ExpressionAttributeValues: { ':version': previous.version, ':email': previous.email },
                }
              : { ConditionExpression: 'attribute_not_exists(pk)' }),
          },
        },
        {
          Put: {
            TableName: tableName,
            Item: emailGuardItem(user.email, user.id),
            ConditionExpression: 'attribute_not_exists(pk) OR userId = :id',
            ExpressionAttributeValues: { ':id': user.id },
          },
        },
      ];
      if (previous && previous.email !== user.email) {
        writes.push({
          Delete: {
            TableName: tableName,
            Key: userKeys.emailGuard(previous.email),
            ConditionExpression: 'attribute_not_exists(pk) OR userId = :id',
            ExpressionAttributeValues: { ':id': user.id },
          },
        });
      }
      const result = await transactWrite(this.context, writes, 'users.putMany');
      if (result.ok) return true;
      if (failedAt(result, 1)) throw CohortError.conflict(`The email ${user.email} belongs to another user`);
      return RETRY;
    });
  }
}
