import { z } from 'zod';
import {
  createCommunityInputSchema,
  type Community,
  type CreateCommunityInput,
} from '../community/community.schema.js';
import type { Membership } from '../community/membership.schema.js';
import { CohortError } from '../shared/cohort-error.js';
import { parsePageRequest, type Page, type PageRequest } from '../shared/page.js';
import { parseId } from '../shared/parse-id.js';
import { parseInput } from '../shared/validation.js';
import { CommunityAccess, moderates } from './community-access.js';
import type { ServiceDeps } from './service-deps.js';
import { ActivityRecorder, UserLookup, inputObject, parseActorId, type ActivityFact } from './service-support.js';

export type CommunityServiceDeps = Pick<ServiceDeps, 'users' | 'communities' | 'memberships' | 'activity' | 'clock'>;

/** What `createCommunity` takes: the owner is the actor. */
export type NewCommunityInput = Omit<CreateCommunityInput, 'ownerId'>;

/** The roles `setMemberRole` grants: ownership is not transferable through it. */
export type AssignableRole = 'moderator' | 'member';
const assignableRoleSchema = z.enum(['moderator', 'member']);

/**
 * Communities and their members. Anyone active joins a public community; a private one is joined only when an
 * owner or moderator adds you, and shows its members to members only. The owner cannot leave and alone sets roles.
 */
export class CommunityService {
  private readonly communities: CommunityServiceDeps['communities'];
  private readonly memberships: CommunityServiceDeps['memberships'];
  private readonly lookup: UserLookup;
  private readonly access: CommunityAccess;
  private readonly activity: ActivityRecorder;

  constructor(deps: CommunityServiceDeps) {
    this.communities = deps.communities;
    this.memberships = deps.memberships;
    this.lookup = new UserLookup(deps.users);
    this.access = new CommunityAccess(deps.communities, deps.memberships);
    this.activity = new ActivityRecorder(deps.activity, deps.clock);
  }

  /** Creates a community owned by the actor (its first member; CONFLICT when the slug is taken); records `created`. */
  async createCommunity(actorId: string, input: NewCommunityInput): Promise<Community> {
    const actor = parseActorId(actorId);
    const parsed = parseInput(
      createCommunityInputSchema,
      { ...inputObject(input, 'community'), ownerId: actor },
      'community',
    );
    await this.lookup.activeActor(actor);
    const community = await this.communities.create(parsed);
    await this.activity.record({
      actorId: actor,
      verb: 'created',
      object: { type: 'community', id: community.id },
      metadata: { slug: community.slug, visibility: community.visibility },
      change: { at: community.createdAt },
    });
    return community;
  }

  /** The community, or null. Name and description are visible to all, so people can find a private one. */
  async getCommunity(communityId: string): Promise<Community | null> {
    return this.communities.getById(parseId(communityId, 'communityId'));
  }

  /** Case-insensitive slug lookup, or null. */
  async findBySlug(slug: string): Promise<Community | null> {
    return this.communities.getBySlug(parseInput(createCommunityInputSchema.shape.slug, slug, 'slug'));
  }

  /** All communities in slug order. */
  async listCommunities(page?: PageRequest): Promise<Page<Community>> {
    return this.communities.list(parsePageRequest(page));
  }

  /**
   * Joins a public community as a member and records `joined` once per membership; FORBIDDEN for a private one (an
   * owner or moderator adds members there). A member joining again gets their membership back unchanged; its
   * `joined` is appended again only if missing (a retry after a crash) and only within the replay window.
   */
  async joinCommunity(actorId: string, communityId: string): Promise<Membership> {
    const actor = parseActorId(actorId);
    const id = parseId(communityId, 'communityId');
    await this.lookup.activeActor(actor);
    const { community, membership } = await this.access.view(id, actor);
    if (membership !== null) {
      await this.activity.replay(...joinedFacts(membership));
      return membership;
    }
    if (community.visibility === 'private') {
      throw CohortError.forbidden(`Community ${id} is private: an owner or moderator must add you`);
    }
    // A duplicate racing this call gets the same stored membership back, so both record the same event.
    const joined = await this.memberships.join(id, actor);
    await this.activity.record(...joinedFacts(joined));
    return joined;
  }

  /**
   * An owner or moderator adds a user as a member (the only way into a private community). Records `joined` with
   * the new member as actor and `addedBy`; an existing member is returned unchanged, as in `joinCommunity`.
   */
  async addMember(actorId: string, communityId: string, userId: string): Promise<Membership> {
    const actor = parseActorId(actorId);
    const id = parseId(communityId, 'communityId');
    const member = parseId(userId, 'userId');
    await this.lookup.activeActor(actor);
    const { membership } = await this.access.view(id, actor);
    if (!moderates(membership)) throw CohortError.forbidden(`Only owners and moderators add members to ${id}`);
    const target = await this.lookup.existing(member);
    if (target.status !== 'active') throw CohortError.forbidden(`User ${member} is deactivated`);
    const existing = await this.memberships.get(id, member);
    if (existing !== null) {
      await this.activity.replay(...joinedFacts(existing, actor));
      return existing;
    }
    const joined = await this.memberships.join(id, member);
    await this.activity.record(...joinedFacts(joined, actor));
    return joined;
  }

  /**
   * Leaves a community and records `left` when this call removed the membership; false (and nothing recorded) for a
   * non-member, so of racing leaves only the one that removed it records. The owner cannot leave
   * (CONFLICT): a community always has its owner.
   */
  async leaveCommunity(actorId: string, communityId: string): Promise<boolean> {
    const actor = parseActorId(actorId);
    const id = parseId(communityId, 'communityId');
    await this.lookup.activeActor(actor);
    const { membership } = await this.access.view(id, actor);
    if (membership === null) return false;
    if (membership.role === 'owner') throw CohortError.conflict(`The owner cannot leave community ${id}`);
    const left = await this.memberships.leave(id, actor);
    if (left) {
      await this.activity.record({
        actorId: actor,
        verb: 'left',
        object: { type: 'community', id },
        metadata: { role: membership.role },
      });
    }
    return left;
  }

  /**
   * The owner makes a member a moderator or a member again (FORBIDDEN for anyone else, CONFLICT for the owner's
   * own membership, NOT_FOUND for a non-member). No activity verb describes it, so nothing is recorded.
   */
  async setMemberRole(actorId: string, communityId: string, userId: string, role: AssignableRole): Promise<Membership> {
    const actor = parseActorId(actorId);
    const id = parseId(communityId, 'communityId');
    const member = parseId(userId, 'userId');
    const newRole = parseInput(assignableRoleSchema, role, 'role');
    await this.lookup.activeActor(actor);
    const { membership } = await this.access.view(id, actor);
    if (membership?.role !== 'owner') throw CohortError.forbidden(`Only the owner changes roles in community ${id}`);
    await this.lookup.existing(member);
    const current = await this.memberships.get(id, member);
    if (current === null) throw CohortError.notFound('Member', `${member} of community ${id}`);
    if (current.role === 'owner') throw CohortError.conflict(`The owner of community ${id} keeps the owner role`);
    if (current.role === newRole) return current;
    return this.memberships.setRole(id, member, newRole);
  }

  /** A community's members, earliest first: anyone in a public community, members only in a private one. */
  async listMembers(actorId: string, communityId: string, page?: PageRequest): Promise<Page<Membership>> {
    const actor = parseActorId(actorId);
    const id = parseId(communityId, 'communityId');
    const request = parsePageRequest(page);
    await this.lookup.activeActor(actor);
    await this.access.readable(id, actor);
    return this.memberships.listMembers(id, request);
  }

  /** The communities the actor belongs to, earliest joined first. */
  async listMyMemberships(actorId: string, page?: PageRequest): Promise<Page<Membership>> {
    const actor = parseActorId(actorId);
    const request = parsePageRequest(page);
    await this.lookup.activeActor(actor);
    return this.memberships.listByUser(actor, request);
  }
}

/**
 * The `joined` a membership records: one per membership, named by its community, member and `joinedAt`. The owner's
 * membership comes with the community, which records `created` instead.
 */
function joinedFacts(membership: Membership, addedBy?: string): ActivityFact[] {
  if (membership.role === 'owner') return [];
  return [
    {
      actorId: membership.userId,
      verb: 'joined',
      object: { type: 'community', id: membership.communityId },
      metadata: addedBy === undefined ? { role: membership.role } : { role: membership.role, addedBy },
      change: { at: membership.joinedAt },
    },
  ];
}
