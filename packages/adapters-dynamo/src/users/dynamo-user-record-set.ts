import { type Page, type RecordSet, type ScanRequest, type User } from '@cohort/core';
import { parseRecordKeys, parseRecords, scanScope } from '@cohort/core/adapter';
import type { DynamoContext } from '../shared/dynamo-context.js';
import { deleteManyGuarded } from '../shared/guarded-delete-many.js';
import { putManyGuarded, type GuardedRecordSet } from '../shared/guarded-put-many.js';
import { cursorString } from '../shared/item-format.js';
import { countScanPartition, recordSetScanPage } from '../shared/scan-index.js';
import { emailGuardItem, toUser, toUserItem } from './user.items.js';
import { userKeys } from './user.keys.js';

/** The users record set: scans the scan index in id order; putMany moves each user's email guard with it. */
export class DynamoUserRecordSet implements RecordSet<User> {
  constructor(private readonly context: DynamoContext) {}

  async scan(page?: ScanRequest): Promise<Page<User>> {
    return recordSetScanPage(
      this.context,
      {
        scope: scanScope('dynamo', 'users'),
        parts: ['id'],
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
    await putManyGuarded(this.context, USERS, parseRecords('users', records));
  }

  /** Deletes users with their email guards, so each email can be taken again. */
  async deleteMany(keys: readonly string[]): Promise<void> {
    const ids = parseRecordKeys('users', keys).map((key) => key.key);
    await deleteManyGuarded(this.context, USERS, ids, 'users.deleteMany');
  }

  async count(): Promise<number> {
    return countScanPartition(this.context, userKeys.scanPartition, 'users.count');
  }
}

const USERS: GuardedRecordSet<User> = {
  what: 'users.putMany',
  unique: 'email',
  owner: 'user',
  holder: 'userId',
  recordKey: userKeys.user,
  guardKey: userKeys.emailGuard,
  guardItem: emailGuardItem,
  toItem: toUserItem,
  toDomain: toUser,
};
