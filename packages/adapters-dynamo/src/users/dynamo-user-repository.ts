import type { TransactWriteItem } from '@aws-sdk/lib-dynamodb';
import {
  CohortError,
  emailSchema,
  type CreateUserInput,
  type Page,
  type PageRequest,
  type User,
  type UserPatch,
  type UserRepository,
} from '@cohort/core';
import {
  applyUserPatch,
  atExpectedVersion,
  listScope,
  newUser,
  pagedLists,
  parseExpectedVersion,
  parseId,
  parseInput,
  parseUserPatch,
} from '@cohort/core/adapter';
import { LOOKUP_ATTEMPTS, RETRY, optimistic } from '../shared/concurrency.js';
import type { DynamoContext } from '../shared/dynamo-context.js';
import { failedAt, getItem, transactWrite } from '../shared/dynamo-ops.js';
import { cursorString } from '../shared/item-format.js';
import { scanIndexPage } from '../shared/scan-index.js';
import { emailGuardItem, toUser, toUserItem } from './user.items.js';
import { userKeys } from './user.keys.js';

/** Users on the single table; email uniqueness through guard items written in the same transaction as the user. */
export class DynamoUserRepository implements UserRepository {
  constructor(private readonly context: DynamoContext) {}

  async create(input: CreateUserInput): Promise<User> {
    const user = newUser(input, this.context.clock.now());
    const { tableName } = this.context;
    const result = await transactWrite(
      this.context,
      [
        { Put: { TableName: tableName, Item: toUserItem(user), ConditionExpression: 'attribute_not_exists(pk)' } },
        {
          Put: {
            TableName: tableName,
            Item: emailGuardItem(user.email, user.id),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
      'users.create',
    );
    if (failedAt(result, 1)) throw CohortError.conflict(`The email ${user.email} is already taken`);
    if (!result.ok) throw CohortError.conflict(`User ${user.id} already exists`);
    return user;
  }

  async getById(id: string): Promise<User | null> {
    const userId = parseId(id);
    const item = await getItem(this.context, userKeys.user(userId), 'users.getById');
    return item ? toUser(item) : null;
  }

  async findByEmail(email: string): Promise<User | null> {
    const normalized = parseInput(emailSchema, email, 'email');
    return optimistic('users.findByEmail', async (attempt) => {
      const guard = await getItem(this.context, userKeys.emailGuard(normalized), 'users.findByEmail');
      if (!guard) return null;
      const item = await getItem(this.context, userKeys.user(String(guard.userId)), 'users.findByEmail');
      if (item && item.email === normalized) return toUser(item);
      // The guard and the user move together in one transaction: a mismatch means we read between two of them.
      // Looking again settles it; a mismatch that persists is a stale guard, which names nobody.
      return attempt < LOOKUP_ATTEMPTS ? RETRY : null;
    });
  }

  async update(id: string, patch: UserPatch, expectedVersion: number): Promise<User> {
    const userId = parseId(id);
    const parsed = parseUserPatch(patch);
    const expected = parseExpectedVersion(expectedVersion);
    const item = await getItem(this.context, userKeys.user(userId), 'users.update');
    const current = atExpectedVersion(item ? toUser(item) : null, 'User', userId, expected);
    const next = applyUserPatch(current, parsed, this.context.clock.now());
    const { tableName } = this.context;
    const writes: TransactWriteItem[] = [
      {
        Put: {
          TableName: tableName,
          Item: toUserItem(next),
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': expected },
        },
      },
    ];
    if (next.email !== current.email) {
      writes.push(
        {
          Delete: {
            TableName: tableName,
            Key: userKeys.emailGuard(current.email),
            ConditionExpression: 'attribute_not_exists(pk) OR userId = :id',
            ExpressionAttributeValues: { ':id': userId },
          },
        },
        {
          Put: {
            TableName: tableName,
            Item: emailGuardItem(next.email, userId),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      );
    }
    const result = await transactWrite(this.context, writes, 'users.update');
    if (result.ok) return next;
    if (failedAt(result, 0) || failedAt(result, 1)) {
      const latest = await getItem(this.context, userKeys.user(userId), 'users.update');
      if (!latest) throw CohortError.notFound('User', userId);
      throw CohortError.concurrency('User', userId, expected);
    }
    throw CohortError.conflict(`The email ${next.email} is already taken`);
  }

  async list(page?: PageRequest): Promise<Page<User>> {
    return scanIndexPage(
      this.context,
      {
        scope: listScope('users.list'),
        parts: pagedLists['users.list'],
        partition: userKeys.scanPartition,
        startKey: (cursor) => userKeys.scanStart(cursorString(cursor, 0)),
        toDomain: toUser,
        keyOf: (user) => [user.id],
        what: 'users.list',
      },
      page,
    );
  }
}
