import { newId } from '@cohort/core';
import { describe, expect, it } from 'vitest';
import { expectCohortError } from '../../src/contract/expect-cohort-error.js';
import { T0, createHarness } from './service-harness.js';

describe('CommunityService.createCommunity', () => {
  it('creates a community owned by the actor and records created', async () => {
    const h = createHarness();
    const owner = await h.user();
    const community = await h.services.communities.createCommunity(owner.id, {
      slug: ' Data-Club ',
      name: 'Data club',
      visibility: 'private',
    });
    expect(community).toMatchObject({ slug: 'data-club', ownerId: owner.id, memberCount: 1, visibility: 'private' });
    expect((await h.store.memberships.get(community.id, owner.id))?.role).toBe('owner');
    expect(await h.activityOf(owner.id)).toEqual([
      {
        actorId: owner.id,
        verb: 'created',
        object: { type: 'community', id: community.id },
        occurredAt: T0,
        metadata: { slug: 'data-club', visibility: 'private' },
      },
    ]);
  });

  it('is CONFLICT for a taken slug and VALIDATION for a bad one', async () => {
    const h = createHarness();
    const owner = await h.user();
    await h.services.communities.createCommunity(owner.id, { slug: 'taken', name: 'x' });
    await expectCohortError(h.services.communities.createCommunity(owner.id, { slug: 'TAKEN', name: 'y' }), 'CONFLICT');
    await expectCohortError(
      h.services.communities.createCommunity(owner.id, { slug: 'no spaces', name: 'y' }),
      'VALIDATION',
    );
    expect(await h.activityOf(owner.id)).toHaveLength(1);
  });

  it('finds communities by id and slug, and lists them', async () => {
    const h = createHarness();
    const owner = await h.user();
    const community = await h.services.communities.createCommunity(owner.id, { slug: 'findable', name: 'x' });
    expect(await h.services.communities.getCommunity(community.id)).toEqual(community);
    expect(await h.services.communities.findBySlug('FINDABLE')).toEqual(community);
    expect((await h.services.communities.listCommunities()).items).toEqual([community]);
  });
});

describe('CommunityService.joinCommunity', () => {
  it('joins a public community as a member and records joined; joining again records nothing', async () => {
    const h = createHarness();
    const [owner, ada] = [await h.user(), await h.user()];
    const community = await h.community(owner);
    const membership = await h.services.communities.joinCommunity(ada.id, community.id);
    expect(membership).toMatchObject({ communityId: community.id, userId: ada.id, role: 'member', joinedAt: T0 });
    expect(await h.services.communities.joinCommunity(ada.id, community.id)).toEqual(membership);
    expect(await h.activityOf(ada.id)).toEqual([
      {
        actorId: ada.id,
        verb: 'joined',
        object: { type: 'community', id: community.id },
        occurredAt: T0,
        metadata: { role: 'member' },
      },
    ]);
    expect((await h.store.communities.getById(community.id))?.memberCount).toBe(2);
  });

  it('forbids joining a private community, and is NOT_FOUND for a missing one', async () => {
    const h = createHarness();
    const [owner, ada] = [await h.user(), await h.user()];
    const community = await h.community(owner, { visibility: 'private' });
    await expectCohortError(h.services.communities.joinCommunity(ada.id, community.id), 'FORBIDDEN');
    await expectCohortError(h.services.communities.joinCommunity(ada.id, newId()), 'NOT_FOUND');
    expect(await h.activityOf(ada.id)).toEqual([]);
  });

  it('returns an existing private membership unchanged', async () => {
    const h = createHarness();
    const [owner, ada] = [await h.user(), await h.user()];
    const community = await h.community(owner, { visibility: 'private', members: [ada] });
    expect((await h.services.communities.joinCommunity(ada.id, community.id)).role).toBe('member');
    expect((await h.services.communities.joinCommunity(owner.id, community.id)).role).toBe('owner');
  });
});

describe('CommunityService.addMember', () => {
  it('lets owners and moderators add members to a private community, recording joined by the new member', async () => {
    const h = createHarness();
    const [owner, moderator, ada, bo] = [await h.user(), await h.user(), await h.user(), await h.user()];
    const community = await h.community(owner, { visibility: 'private', moderators: [moderator] });
    await h.services.communities.addMember(owner.id, community.id, ada.id);
    h.clock.advance(1000);
    const added = await h.services.communities.addMember(moderator.id, community.id, bo.id);
    expect(added.role).toBe('member');
    expect(await h.services.communities.addMember(owner.id, community.id, bo.id)).toEqual(added);
    expect(await h.activityOf(bo.id)).toEqual([
      {
        actorId: bo.id,
        verb: 'joined',
        object: { type: 'community', id: community.id },
        occurredAt: h.clock.now(),
        metadata: { role: 'member', addedBy: moderator.id },
      },
    ]);
    expect(await h.activityOf(moderator.id)).toEqual([]);
  });

  it('forbids plain members and outsiders, and refuses missing or deactivated users', async () => {
    const h = createHarness();
    const [owner, member, outsider] = [await h.user(), await h.user(), await h.user()];
    const community = await h.community(owner, { visibility: 'private', members: [member] });
    const target = await h.user();
    await expectCohortError(h.services.communities.addMember(member.id, community.id, target.id), 'FORBIDDEN');
    await expectCohortError(h.services.communities.addMember(outsider.id, community.id, target.id), 'FORBIDDEN');
    await expectCohortError(h.services.communities.addMember(owner.id, community.id, newId()), 'NOT_FOUND');
    const gone = await h.deactivatedUser();
    await expectCohortError(h.services.communities.addMember(owner.id, community.id, gone.id), 'FORBIDDEN');
  });
});

describe('CommunityService.leaveCommunity', () => {
  it('leaves and records left; a non-member gets false and nothing is recorded', async () => {
    const h = createHarness();
    const [owner, ada] = [await h.user(), await h.user()];
    const community = await h.community(owner, { moderators: [ada] });
    expect(await h.services.communities.leaveCommunity(ada.id, community.id)).toBe(true);
    expect(await h.services.communities.leaveCommunity(ada.id, community.id)).toBe(false);
    expect(await h.activityOf(ada.id)).toEqual([
      {
        actorId: ada.id,
        verb: 'left',
        object: { type: 'community', id: community.id },
        occurredAt: T0,
        metadata: { role: 'moderator' },
      },
    ]);
    expect((await h.store.communities.getById(community.id))?.memberCount).toBe(1);
  });

  it('is CONFLICT for the owner and NOT_FOUND for a missing community', async () => {
    const h = createHarness();
    const owner = await h.user();
    const community = await h.community(owner);
    await expectCohortError(h.services.communities.leaveCommunity(owner.id, community.id), 'CONFLICT');
    await expectCohortError(h.services.communities.leaveCommunity(owner.id, newId()), 'NOT_FOUND');
    expect(await h.activityOf(owner.id)).toEqual([]);
  });
});

describe('CommunityService.setMemberRole', () => {
  it('lets only the owner promote and demote, recording nothing', async () => {
    const h = createHarness();
    const [owner, moderator, ada] = [await h.user(), await h.user(), await h.user()];
    const community = await h.community(owner, { members: [ada], moderators: [moderator] });
    await expectCohortError(
      h.services.communities.setMemberRole(moderator.id, community.id, ada.id, 'moderator'),
      'FORBIDDEN',
    );
    await expectCohortError(
      h.services.communities.setMemberRole(ada.id, community.id, ada.id, 'moderator'),
      'FORBIDDEN',
    );
    expect((await h.services.communities.setMemberRole(owner.id, community.id, ada.id, 'moderator')).role).toBe(
      'moderator',
    );
    expect((await h.services.communities.setMemberRole(owner.id, community.id, moderator.id, 'member')).role).toBe(
      'member',
    );
    expect(await h.activityOf(owner.id)).toEqual([]);
  });

  it('keeps the owner an owner, and is NOT_FOUND for non-members and missing users', async () => {
    const h = createHarness();
    const [owner, outsider] = [await h.user(), await h.user()];
    const community = await h.community(owner);
    await expectCohortError(
      h.services.communities.setMemberRole(owner.id, community.id, owner.id, 'member'),
      'CONFLICT',
    );
    await expectCohortError(
      h.services.communities.setMemberRole(owner.id, community.id, outsider.id, 'owner' as never),
      'VALIDATION',
    );
    await expectCohortError(
      h.services.communities.setMemberRole(owner.id, community.id, outsider.id, 'member'),
      'NOT_FOUND',
    );
    await expectCohortError(
      h.services.communities.setMemberRole(owner.id, community.id, newId(), 'member'),
      'NOT_FOUND',
    );
  });
});

describe('CommunityService.listMembers', () => {
  it('pages through members, earliest first', async () => {
    const h = createHarness();
    const owner = await h.user();
    const members = [await h.user(), await h.user(), await h.user()];
    const community = await h.community(owner);
    for (const member of members) {
      h.clock.advance(1000);
      await h.services.communities.joinCommunity(member.id, community.id);
    }
    const first = await h.services.communities.listMembers(owner.id, community.id, { limit: 2 });
    const second = await h.services.communities.listMembers(owner.id, community.id, {
      limit: 2,
      cursor: first.nextCursor,
    });
    expect([...first.items, ...second.items].map((m) => m.userId)).toEqual([owner.id, ...members.map((m) => m.id)]);
    expect(second.nextCursor).toBeNull();
    expect((await h.services.communities.listMyMemberships(members[0]!.id)).items).toHaveLength(1);
  });
});
