import {
  CohortError,
  membershipSchema,
  type Clock,
  type Community,
  type Membership,
  type MembershipRepository,
  type MembershipRole,
  type Page,
  type PageRequest,
} from '@cohort/core';
import { parseId, parseInput, parsePageRequest } from '@cohort/core/adapter';
import { oldestFirst, pageOf } from './memory-pages.js';
import { copyOf, membershipKey, roundTrip, type MemoryTables } from './memory-tables.js';

const parseRole = (role: unknown): MembershipRole => parseInput(membershipSchema.shape.role, role, 'role');

function parseMembershipIds(communityId: string, userId: string): { communityId: string; userId: string } {
  return { communityId: parseId(communityId, 'communityId'), userId: parseId(userId, 'userId') };
}

export class MemoryMembershipRepository implements MembershipRepository {
  constructor(
    private readonly tables: MemoryTables,
    private readonly clock: Clock,
  ) {}

  async join(communityId: string, userId: string, role: MembershipRole = 'member'): Promise<Membership> {
    await roundTrip();
    const ids = parseMembershipIds(communityId, userId);
    const newRole = parseRole(role);
    const community = this.tables.communities.get(ids.communityId);
    if (!community) throw CohortError.notFound('Community', ids.communityId);
    const key = membershipKey(ids.communityId, ids.userId);
    const existing = this.tables.memberships.get(key);
    if (existing) return copyOf(existing);
    const membership: Membership = { ...ids, role: newRole, joinedAt: this.clock.now() };
    this.tables.memberships.set(key, membership);
    this.setMemberCount(community, community.memberCount + 1);
    return copyOf(membership);
  }

  async leave(communityId: string, userId: string): Promise<boolean> {
    await roundTrip();
    const ids = parseMembershipIds(communityId, userId);
    if (!this.tables.memberships.delete(membershipKey(ids.communityId, ids.userId))) return false;
    const community = this.tables.communities.get(ids.communityId);
    if (community) this.setMemberCount(community, Math.max(0, community.memberCount - 1));
    return true;
  }

  async get(communityId: string, userId: string): Promise<Membership | null> {
    await roundTrip();
    const ids = parseMembershipIds(communityId, userId);
    const membership = this.tables.memberships.get(membershipKey(ids.communityId, ids.userId));
    return membership ? copyOf(membership) : null;
  }

  async setRole(communityId: string, userId: string, role: MembershipRole): Promise<Membership> {
    await roundTrip();
    const ids = parseMembershipIds(communityId, userId);
    const newRole = parseRole(role);
    const key = membershipKey(ids.communityId, ids.userId);
    const current = this.tables.memberships.get(key);
    if (!current) throw CohortError.notFound('Membership', key);
    const next: Membership = { ...current, role: newRole };
    this.tables.memberships.set(key, next);
    return copyOf(next);
  }

  async listMembers(communityId: string, page?: PageRequest): Promise<Page<Membership>> {
    await roundTrip();
    const community = parseId(communityId, 'communityId');
    const request = parsePageRequest(page);
    const rows = [...this.tables.memberships.values()].filter((membership) => membership.communityId === community);
    return pageOf(
      rows,
      oldestFirst(
        (membership) => membership.joinedAt,
        (membership) => membership.userId,
      ),
      'memberships.listMembers',
      [community],
      request,
    );
  }

  async listByUser(userId: string, page?: PageRequest): Promise<Page<Membership>> {
    await roundTrip();
    const user = parseId(userId, 'userId');
    const request = parsePageRequest(page);
    const rows = [...this.tables.memberships.values()].filter((membership) => membership.userId === user);
    return pageOf(
      rows,
      oldestFirst(
        (membership) => membership.joinedAt,
        (membership) => membership.communityId,
      ),
      'memberships.listByUser',
      [user],
      request,
    );
  }

  // memberCount is a counter, not an edit: it moves neither version nor updatedAt, so joins never fail an update.
  private setMemberCount(community: Community, memberCount: number): void {
    this.tables.communities.set(community.id, { ...community, memberCount });
  }
}
