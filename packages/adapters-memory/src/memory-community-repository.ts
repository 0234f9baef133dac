import {
  CohortError,
  communitySchema,
  type Clock,
  type Community,
  type CommunityPatch,
  type CommunityRepository,
  type CreateCommunityInput,
  type Page,
  type PageRequest,
} from '@cohort/core';
import {
  atExpectedVersion,
  applyCommunityPatch,
  newCommunity,
  parseCommunityPatch,
  parseExpectedVersion,
  parseId,
  parseInput,
  parsePageRequest,
} from '@cohort/core/adapter';
import { pageOf } from './memory-pages.js';
import { copyOf, membershipKey, roundTrip, type MemoryTables } from './memory-tables.js';

export class MemoryCommunityRepository implements CommunityRepository {
  constructor(
    private readonly tables: MemoryTables,
    private readonly clock: Clock,
  ) {}

  async create(input: CreateCommunityInput): Promise<Community> {
    await roundTrip();
    const { community, owner } = newCommunity(input, this.clock.now());
    if (this.tables.communityIdsBySlug.has(community.slug)) {
      throw CohortError.conflict(`Slug ${community.slug} is already taken`);
    }
    this.tables.communityIdsBySlug.set(community.slug, community.id);
    this.tables.communities.set(community.id, community);
    this.tables.memberships.set(membershipKey(owner.communityId, owner.userId), owner);
    return copyOf(community);
  }

  async getById(id: string): Promise<Community | null> {
    await roundTrip();
    const community = this.tables.communities.get(parseId(id));
    return community ? copyOf(community) : null;
  }

  async getBySlug(slug: string): Promise<Community | null> {
    await roundTrip();
    const id = this.tables.communityIdsBySlug.get(parseInput(communitySchema.shape.slug, slug, 'slug'));
    const community = id === undefined ? undefined : this.tables.communities.get(id);
    return community ? copyOf(community) : null;
  }

  async update(id: string, patch: CommunityPatch, expectedVersion: number): Promise<Community> {
    await roundTrip();
    const communityId = parseId(id);
    const changes = parseCommunityPatch(patch);
    const version = parseExpectedVersion(expectedVersion);
    const current = atExpectedVersion(this.tables.communities.get(communityId), 'Community', communityId, version);
    const next = applyCommunityPatch(current, changes, this.clock.now());
    this.tables.communities.set(communityId, next);
    return copyOf(next);
  }

  async list(page?: PageRequest): Promise<Page<Community>> {
    await roundTrip();
    const request = parsePageRequest(page);
    return pageOf(
      this.tables.communities.values(),
      // The id rides along so every store's cursor is the same (slugs are unique: the slug alone orders the list).
      { keyOf: (community) => [community.slug, community.id], directions: ['asc', 'asc'] },
      'communities.list',
      [],
      request,
    );
  }
}
