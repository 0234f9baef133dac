import {
  CohortError,
  communitySchema,
  type Community,
  type CommunityPatch,
  type CommunityRepository,
  type CreateCommunityInput,
  type Page,
  type PageRequest,
} from '@cohort/core';
import {
  applyCommunityPatch,
  atExpectedVersion,
  listScope,
  newCommunity,
  pagedLists,
  parseCommunityPatch,
  parseExpectedVersion,
  parseId,
  parseInput,
} from '@cohort/core/adapter';
import { LOOKUP_ATTEMPTS, RETRY, optimistic } from '../shared/concurrency.js';
import type { DynamoContext } from '../shared/dynamo-context.js';
import { failedAt, getItem, transactWrite, updateItem } from '../shared/dynamo-ops.js';
import { Expression } from '../shared/expression.js';
import { cursorString } from '../shared/item-format.js';
import { scanIndexPage } from '../shared/scan-index.js';
import {
  communityAttributes,
  slugGuardItem,
  toCommunity,
  toCommunityItem,
  toMembershipItem,
} from './community.items.js';
import { communityKeys } from './community.keys.js';

/** The scan-index list of communities in slug order (shared by list and the record set's scan). */
export function communitiesBySlug(scope: string, what: string) {
  return {
    scope,
    parts: pagedLists['communities.list'],
    partition: communityKeys.communityScanPartition,
    startKey: (cursor: readonly (string | number)[]) =>
      communityKeys.communityScanStart(cursorString(cursor, 0), cursorString(cursor, 1)),
    toDomain: toCommunity,
    keyOf: (community: Community) => [community.slug, community.id],
    what,
  };
}

/** Communities with slug guards; memberCount moves only through membership transactions, never through update. */
export class DynamoCommunityRepository implements CommunityRepository {
  constructor(private readonly context: DynamoContext) {}

  async create(input: CreateCommunityInput): Promise<Community> {
    const { community, owner } = newCommunity(input, this.context.clock.now());
    const { tableName } = this.context;
    const result = await transactWrite(
      this.context,
      [
        {
          Put: {
            TableName: tableName,
            Item: toCommunityItem(community),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: tableName,
            Item: slugGuardItem(community.slug, community.id),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: { TableName: tableName, Item: toMembershipItem(owner), ConditionExpression: 'attribute_not_exists(pk)' },
        },
      ],
      'communities.create',
    );
    if (failedAt(result, 1)) throw CohortError.conflict(`The slug ${community.slug} is already taken`);
    if (!result.ok) throw CohortError.conflict(`Community ${community.id} already exists`);
    return community;
  }

  async getById(id: string): Promise<Community | null> {
    const communityId = parseId(id);
    const item = await getItem(this.context, communityKeys.community(communityId), 'communities.getById');
    return item ? toCommunity(item) : null;
  }

  async getBySlug(slug: string): Promise<Community | null> {
    const normalized = parseInput(communitySchema.shape.slug, slug, 'slug');
    return optimistic('communities.getBySlug', async (attempt) => {
      const guard = await getItem(this.context, communityKeys.slugGuard(normalized), 'communities.getBySlug');
      if (!guard) return null;
      const item = await getItem(
        this.context,
        communityKeys.community(String(guard.communityId)),
        'communities.getBySlug',
      );
      if (item && item.slug === normalized) return toCommunity(item);
      return attempt < LOOKUP_ATTEMPTS ? RETRY : null;
    });
  }

  async update(id: string, patch: CommunityPatch, expectedVersion: number): Promise<Community> {
    const communityId = parseId(id);
    const parsed = parseCommunityPatch(patch);
    const expected = parseExpectedVersion(expectedVersion);
    const item = await getItem(this.context, communityKeys.community(communityId), 'communities.update');
    const current = atExpectedVersion(item ? toCommunity(item) : null, 'Community', communityId, expected);
    const next = communityAttributes(applyCommunityPatch(current, parsed, this.context.clock.now()));
    const expression = new Expression();
    const assignments = expression.set({
      name: next.name,
      description: next.description,
      visibility: next.visibility,
      updatedAt: next.updatedAt,
      version: next.version,
    });
    const stored = await updateItem(
      this.context,
      {
        Key: communityKeys.community(communityId),
        UpdateExpression: `SET ${assignments}`,
        ConditionExpression: `${expression.name('version')} = ${expression.value(expected)}`,
        ReturnValues: 'ALL_NEW',
        ...expression.attributes(),
      },
      'communities.update',
    );
    if (stored) return toCommunity(stored);
    const latest = await getItem(this.context, communityKeys.community(communityId), 'communities.update');
    if (!latest) throw CohortError.notFound('Community', communityId);
    throw CohortError.concurrency('Community', communityId, expected);
  }

  async list(page?: PageRequest): Promise<Page<Community>> {
    return scanIndexPage(this.context, communitiesBySlug(listScope('communities.list'), 'communities.list'), page);
  }
}
