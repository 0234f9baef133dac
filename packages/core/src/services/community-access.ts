import type { Community } from '../community/community.schema.js';
import type { CommunityRepository } from '../community/community-repository.js';
import type { Membership } from '../community/membership.schema.js';
import type { MembershipRepository } from '../community/membership-repository.js';
import { CohortError } from '../shared/cohort-error.js';

/** A community together with the actor's membership in it (null for a non-member). */
export interface CommunityView {
  readonly community: Community;
  readonly membership: Membership | null;
}

/**
 * The community rules every service shares: a private community shows its feed, posts, comments and members to
 * members only; only members write; moderators and owners moderate; only the owner changes roles.
 */
export class CommunityAccess {
  constructor(
    private readonly communities: CommunityRepository,
    private readonly memberships: MembershipRepository,
  ) {}

  /** The community and the actor's membership; NOT_FOUND for a missing community. Expects parsed ids. */
  async view(communityId: string, actorId: string): Promise<CommunityView> {
    const community = await this.communities.getById(communityId);
    if (community === null) throw CohortError.notFound('Community', communityId);
    const membership = await this.memberships.get(communityId, actorId);
    return { community, membership };
  }

  /** Reading is open in a public community and members-only in a private one. */
  async readable(communityId: string, actorId: string): Promise<CommunityView> {
    const view = await this.view(communityId, actorId);
    if (view.community.visibility === 'private' && view.membership === null) {
      throw CohortError.forbidden(`Community ${communityId} is private: only its members may see it`);
    }
    return view;
  }

  /** Posting, commenting and reacting are for members, whatever the visibility. */
  async writable(communityId: string, actorId: string): Promise<CommunityView & { membership: Membership }> {
    const view = await this.readable(communityId, actorId);
    const { membership } = view;
    if (membership === null) {
      throw CohortError.forbidden(`Only members of community ${communityId} may do this`);
    }
    return { community: view.community, membership };
  }
}

/** Owners and moderators moderate (remove posts, add members). */
export function moderates(membership: Membership | null): boolean {
  return membership?.role === 'owner' || membership?.role === 'moderator';
}
