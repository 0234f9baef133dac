import type { Page, PageRequest } from '../shared/page.js';
import type { Membership, MembershipRole } from './membership.schema.js';

export interface MembershipRepository {
  /**
   * Adds the user (role `member` unless given) and increments memberCount in one atomic step; an existing
   * membership is returned unchanged. NOT_FOUND when the community does not exist.
   */
  join(communityId: string, userId: string, role?: MembershipRole): Promise<Membership>;
  /** Removes the membership and decrements memberCount atomically; false when there was none. */
  leave(communityId: string, userId: string): Promise<boolean>;
  /** The membership, or null. */
  get(communityId: string, userId: string): Promise<Membership | null>;
  /** Changes a member's role; NOT_FOUND when the user is not a member. */
  setRole(communityId: string, userId: string, role: MembershipRole): Promise<Membership>;
  /** A community's members, earliest `joinedAt` first (ties by userId). */
  listMembers(communityId: string, page?: PageRequest): Promise<Page<Membership>>;
  /** The communities a user belongs to, earliest `joinedAt` first (ties by communityId). */
  listByUser(userId: string, page?: PageRequest): Promise<Page<Membership>>;
}
