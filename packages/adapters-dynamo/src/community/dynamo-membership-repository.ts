import {
  CohortError,
  membershipSchema,
  type Membership,
  type MembershipRepository,
  type MembershipRole,
  type Page,
  type PageRequest,
} from '@cohort/core';
import { listScope, pagedLists, parseId, parseInput } from '@cohort/core/adapter';
import { RETRY, optimistic } from '../shared/concurrency.js';
import type { DynamoContext } from '../shared/dynamo-context.js';
import { deleteItem, failedAt, getItem, transactWrite, updateItem } from '../shared/dynamo-ops.js';
import { cursorNumber, cursorString } from '../shared/item-format.js';
import { indexPartitionQuery, keysetPage } from '../shared/paging.js';
import { TABLE } from '../table-definition.js';
import { toMembership, toMembershipItem } from './community.items.js';
import { communityKeys } from './community.keys.js';

/** Memberships in their community's partition; memberCount moves in the same transaction as the membership. */
export class DynamoMembershipRepository implements MembershipRepository {
  constructor(private readonly context: DynamoContext) {}

  async join(communityId: string, userId: string, role?: MembershipRole): Promise<Membership> {
    const membership: Membership = {
      communityId: parseId(communityId, 'communityId'),
      userId: parseId(userId, 'userId'),
      role: parseInput(membershipSchema.shape.role, role ?? 'member', 'role'),
      joinedAt: this.context.clock.now(),
    };
    const { tableName } = this.context;
    return optimistic('memberships.join', async () => {
      const result = await transactWrite(
        this.context,
        [
          {
            Update: {
              TableName: tableName,
              Key: communityKeys.community(membership.communityId),
              UpdateExpression: 'ADD memberCount :one',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':one': 1 },
            },
          },
          {
            Put: {
              TableName: tableName,
              Item: toMembershipItem(membership),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
        'memberships.join',
      );
      if (result.ok) return membership;
      if (failedAt(result, 0)) throw CohortError.notFound('Community', membership.communityId);
      return (await this.get(membership.communityId, membership.userId)) ?? RETRY;
    });
  }

  async leave(communityId: string, userId: string): Promise<boolean> {
    const community = parseId(communityId, 'communityId');
    const user = parseId(userId, 'userId');
    const { tableName } = this.context;
    const result = await transactWrite(
      this.context,
      [
        {
          Delete: {
            TableName: tableName,
            Key: communityKeys.membership(community, user),
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
        {
          Update: {
            TableName: tableName,
            Key: communityKeys.community(community),
            UpdateExpression: 'ADD memberCount :minusOne',
            ConditionExpression: 'attribute_exists(pk) AND memberCount > :zero',
            ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0 },
          },
        },
      ],
      'memberships.leave',
    );
    if (result.ok) return true;
    if (failedAt(result, 0)) return false;
    // The community is gone (or its counter is already 0): the membership is an orphan; remove it alone.
    const removed = await deleteItem(
      this.context,
      { Key: communityKeys.membership(community, user), ConditionExpression: 'attribute_exists(pk)' },
      'memberships.leave',
    );
    return removed !== null;
  }

  async get(communityId: string, userId: string): Promise<Membership | null> {
    const key = communityKeys.membership(parseId(communityId, 'communityId'), parseId(userId, 'userId'));
    const item = await getItem(this.context, key, 'memberships.get');
    return item ? toMembership(item) : null;
  }

  async setRole(communityId: string, userId: string, role: MembershipRole): Promise<Membership> {
    const community = parseId(communityId, 'communityId');
    const user = parseId(userId, 'userId');
    const parsedRole = parseInput(membershipSchema.shape.role, role, 'role');
    const stored = await updateItem(
      this.context,
      {
        Key: communityKeys.membership(community, user),
        UpdateExpression: 'SET #role = :role',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#role': 'role' },
        ExpressionAttributeValues: { ':role': parsedRole },
        ReturnValues: 'ALL_NEW',
      },
      'memberships.setRole',
    );
    if (!stored) throw CohortError.notFound('Membership', `${community}/${user}`);
    return toMembership(stored);
  }

  async listMembers(communityId: string, page?: PageRequest): Promise<Page<Membership>> {
    const community = parseId(communityId, 'communityId');
    return keysetPage(this.context, {
      scope: listScope('memberships.listMembers', community),
      parts: pagedLists['memberships.listMembers'],
      page,
      query: indexPartitionQuery(TABLE.gsi1, communityKeys.membersPartition(community)),
      startKey: (cursor) => communityKeys.membersStart(community, cursorNumber(cursor, 0), cursorString(cursor, 1)),
      toDomain: toMembership,
      keyOf: (membership) => [membership.joinedAt.getTime(), membership.userId],
      what: 'memberships.listMembers',
    });
  }

  async listByUser(userId: string, page?: PageRequest): Promise<Page<Membership>> {
    const user = parseId(userId, 'userId');
    return keysetPage(this.context, {
      scope: listScope('memberships.listByUser', user),
      parts: pagedLists['memberships.listByUser'],
      page,
      query: indexPartitionQuery(TABLE.gsi2, communityKeys.membershipsPartition(user)),
      startKey: (cursor) => communityKeys.membershipsStart(user, cursorNumber(cursor, 0), cursorString(cursor, 1)),
      toDomain: toMembership,
      keyOf: (membership) => [membership.joinedAt.getTime(), membership.communityId],
      what: 'memberships.listByUser',
    });
  }
}
