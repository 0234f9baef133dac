import type { Community, Membership } from '@cohort/core';
import { describe, expect, it } from 'vitest';
import type { ContractContext } from '../contract-context.js';
import { expectCohortError } from '../expect-cohort-error.js';
import { collectAll } from './collect-pages.js';

/** Code-point order, the order every store must agree on (no locale collation). */
const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function communityContract(context: ContractContext): void {
  const { fixtures, clock } = context;
  const communities = () => context.store().communities;
  const memberships = () => context.store().memberships;

  const members = (communityId: string, limit = 100): Promise<Membership[]> =>
    collectAll((cursor) => memberships().listMembers(communityId, { cursor, limit }));
  const membershipsOf = (userId: string, limit = 100): Promise<Membership[]> =>
    collectAll((cursor) => memberships().listByUser(userId, { cursor, limit }));

  async function reload(id: string): Promise<Community> {
    const community = await communities().getById(id);
    expect(community, `community ${id} should exist`).not.toBeNull();
    return community as Community;
  }

  describe('CommunityRepository.create', () => {
    it('stores the community with its owner as its first member', async () => {
      clock.freeze();
      const now = clock.now();
      const ownerId = fixtures.id();
      const slug = fixtures.slug();
      const community = await communities().create({ slug, name: '  Data Guild  ', ownerId });
      expect(community).toEqual({
        id: expect.any(String) as string,
        slug,
        name: 'Data Guild',
        description: '',
        visibility: 'public',
        ownerId,
        memberCount: 1,
        createdAt: now,
        updatedAt: now,
        version: 1,
      });
      const owner: Membership = { communityId: community.id, userId: ownerId, role: 'owner', joinedAt: now };
      expect(await memberships().get(community.id, ownerId)).toEqual(owner);
      expect(await members(community.id)).toEqual([owner]);
      expect(await membershipsOf(ownerId)).toEqual([owner]);
    });

    it('keeps the description and visibility it is given', async () => {
      const community = await fixtures.community({ description: 'Invite only', visibility: 'private' });
      expect(community).toMatchObject({ description: 'Invite only', visibility: 'private' });
      expect(await reload(community.id)).toEqual(community);
    });

    it('lower-cases the slug', async () => {
      const slug = fixtures.slug('Mixed-Case');
      const community = await fixtures.community({ slug: `  ${slug.toUpperCase()} ` });
      expect(community.slug).toBe(slug.toLowerCase());
      expect((await reload(community.id)).slug).toBe(slug.toLowerCase());
    });

    it('fails with CONFLICT when the slug is taken in another letter case, storing nothing', async () => {
      const first = await fixtures.community();
      const otherOwner = fixtures.id();
      await expectCohortError(
        communities().create({ slug: first.slug.toUpperCase(), name: 'Copycat', ownerId: otherOwner }),
        'CONFLICT',
      );
      expect(await communities().getBySlug(first.slug)).toEqual(first);
      expect(await membershipsOf(otherOwner)).toEqual([]);
    });
  });

  describe('CommunityRepository.getById', () => {
    it('returns the stored community', async () => {
      const community = await fixtures.community();
      expect(await communities().getById(community.id)).toEqual(community);
    });

    it('returns null for an unknown id', async () => {
      expect(await communities().getById(fixtures.id())).toBeNull();
    });
  });

  describe('CommunityRepository.getBySlug', () => {
    it('finds a community whatever the letter case', async () => {
      const community = await fixtures.community();
      expect(await communities().getBySlug(community.slug)).toEqual(community);
      expect(await communities().getBySlug(community.slug.toUpperCase())).toEqual(community);
    });

    it('returns null for an unknown slug', async () => {
      expect(await communities().getBySlug(fixtures.slug('nobody'))).toBeNull();
    });
  });

  describe('CommunityRepository.update', () => {
    it('applies the patch and bumps version and updatedAt, keeping slug, owner and memberCount', async () => {
      clock.freeze();
      const community = await fixtures.community();
      clock.advance(1_000);
      const updated = await communities().update(
        community.id,
        { name: 'Renamed', description: 'About us', visibility: 'private' },
        community.version,
      );
      expect(updated).toEqual({
        ...community,
        name: 'Renamed',
        description: 'About us',
        visibility: 'private',
        updatedAt: clock.now(),
        version: 2,
      });
      expect(await communities().getById(community.id)).toEqual(updated);
      expect(await communities().getBySlug(community.slug)).toEqual(updated);
    });

    it('bumps the version for an empty patch', async () => {
      clock.freeze();
      const community = await fixtures.community();
      clock.advance(5);
      expect(await communities().update(community.id, {}, community.version)).toEqual({
        ...community,
        updatedAt: clock.now(),
        version: 2,
      });
    });

    it('fails with CONCURRENCY for a stale version and keeps the stored community', async () => {
      const community = await fixtures.community();
      const updated = await communities().update(community.id, { name: 'First' }, community.version);
      await expectCohortError(communities().update(community.id, { name: 'Second' }, community.version), 'CONCURRENCY');
      expect(await communities().getById(community.id)).toEqual(updated);
    });

    it('fails with NOT_FOUND for an unknown community, whatever the version', async () => {
      await expectCohortError(communities().update(fixtures.id(), { name: 'Ghost' }, 1), 'NOT_FOUND');
      await expectCohortError(communities().update(fixtures.id(), { name: 'Ghost' }, 7), 'NOT_FOUND');
    });

    it('keeps the memberCount that joins have raised', async () => {
      const community = await fixtures.community();
      await memberships().join(community.id, fixtures.id());
      await memberships().join(community.id, fixtures.id());
      const current = await reload(community.id);
      const updated = await communities().update(community.id, { name: 'Busy' }, current.version);
      expect(updated.memberCount).toBe(3);
      expect((await reload(community.id)).memberCount).toBe(3);
    });
  });

  describe('CommunityRepository.list', () => {
    it('lists every community in slug order', async () => {
      const base = fixtures.slug('list');
      const made: Community[] = [];
      // '-' sorts before digits by code point; a locale collation that skips punctuation would put a1 first.
      for (const suffix of ['c', 'a1', 'b', 'a-2']) made.push(await fixtures.community({ slug: `${base}-${suffix}` }));
      const all = await collectAll((cursor) => communities().list({ cursor, limit: 100 }));
      const slugs = all.map((community) => community.slug);
      expect(slugs).toEqual([...slugs].sort(byCodePoint));
      expect(new Set(slugs).size).toBe(slugs.length);
      const mine = all.filter((community) => community.slug.startsWith(`${base}-`));
      expect(mine.map((community) => community.slug)).toEqual([`${base}-a-2`, `${base}-a1`, `${base}-b`, `${base}-c`]);
      expect(mine).toEqual(expect.arrayContaining(made));
    });

    it('pages through communities without gaps or repeats', async () => {
      const base = fixtures.slug('paged');
      for (const suffix of ['1', '2', '3']) await fixtures.community({ slug: `${base}-${suffix}` });
      const first = await communities().list({ limit: 2 });
      expect(first.items).toHaveLength(2);
      expect(first.nextCursor).not.toBeNull();
      const small = await collectAll((cursor) => communities().list({ cursor, limit: 2 }));
      const large = await collectAll((cursor) => communities().list({ cursor, limit: 100 }));
      // Other tests may add communities between the walks: compare what both walks must contain.
      const mine = (list: Community[]) =>
        list.filter((community) => community.slug.startsWith(`${base}-`)).map((c) => c.slug);
      expect(mine(small)).toEqual([`${base}-1`, `${base}-2`, `${base}-3`]);
      expect(mine(large)).toEqual(mine(small));
      expect(new Set(small.map((community) => community.id)).size).toBe(small.length);
    });
  });

  describe('MembershipRepository.join', () => {
    it('adds a member and increments memberCount', async () => {
      clock.freeze();
      const community = await fixtures.community();
      clock.advance(1_000);
      const userId = fixtures.id();
      const membership = await memberships().join(community.id, userId);
      expect(membership).toEqual({ communityId: community.id, userId, role: 'member', joinedAt: clock.now() });
      expect(await memberships().get(community.id, userId)).toEqual(membership);
      expect((await reload(community.id)).memberCount).toBe(2);
    });

    it('adds the member with the role given', async () => {
      const community = await fixtures.community();
      const userId = fixtures.id();
      expect((await memberships().join(community.id, userId, 'moderator')).role).toBe('moderator');
      expect((await memberships().get(community.id, userId))?.role).toBe('moderator');
    });

    it('returns an existing membership unchanged', async () => {
      clock.freeze();
      const community = await fixtures.community();
      const userId = fixtures.id();
      const first = await memberships().join(community.id, userId);
      clock.advance(1_000);
      expect(await memberships().join(community.id, userId)).toEqual(first);
      expect(await memberships().join(community.id, userId, 'moderator')).toEqual(first);
      expect(await memberships().get(community.id, userId)).toEqual(first);
      expect((await reload(community.id)).memberCount).toBe(2);
    });

    it("returns the owner's membership unchanged", async () => {
      const community = await fixtures.community();
      const owner = await memberships().get(community.id, community.ownerId);
      expect(await memberships().join(community.id, community.ownerId, 'member')).toEqual(owner);
      expect((await reload(community.id)).memberCount).toBe(1);
    });

    it('fails with NOT_FOUND for an unknown community', async () => {
      const communityId = fixtures.id();
      const userId = fixtures.id();
      await expectCohortError(memberships().join(communityId, userId), 'NOT_FOUND');
      expect(await memberships().get(communityId, userId)).toBeNull();
      expect(await membershipsOf(userId)).toEqual([]);
    });
  });

  describe('MembershipRepository.leave', () => {
    it('removes the membership and decrements memberCount', async () => {
      const community = await fixtures.community();
      const userId = fixtures.id();
      await memberships().join(community.id, userId);
      expect(await memberships().leave(community.id, userId)).toBe(true);
      expect(await memberships().get(community.id, userId)).toBeNull();
      expect((await reload(community.id)).memberCount).toBe(1);
      expect((await members(community.id)).map((member) => member.userId)).toEqual([community.ownerId]);
    });

    it('returns false for a non-member and changes nothing', async () => {
      const community = await fixtures.community();
      expect(await memberships().leave(community.id, fixtures.id())).toBe(false);
      expect((await reload(community.id)).memberCount).toBe(1);
    });

    it('returns false the second time', async () => {
      const community = await fixtures.community();
      const userId = fixtures.id();
      await memberships().join(community.id, userId);
      expect(await memberships().leave(community.id, userId)).toBe(true);
      expect(await memberships().leave(community.id, userId)).toBe(false);
      expect((await reload(community.id)).memberCount).toBe(1);
    });

    it('returns false for an unknown community', async () => {
      expect(await memberships().leave(fixtures.id(), fixtures.id())).toBe(false);
    });

    it('lets a former member join again, as a new member', async () => {
      clock.freeze();
      const community = await fixtures.community();
      const userId = fixtures.id();
      await memberships().join(community.id, userId, 'moderator');
      await memberships().leave(community.id, userId);
      clock.advance(60_000);
      const again = await memberships().join(community.id, userId);
      expect(again).toEqual({ communityId: community.id, userId, role: 'member', joinedAt: clock.now() });
      expect((await reload(community.id)).memberCount).toBe(2);
    });
  });

  describe('MembershipRepository.get', () => {
    it('returns the membership', async () => {
      const community = await fixtures.community();
      const userId = fixtures.id();
      const membership = await memberships().join(community.id, userId);
      expect(await memberships().get(community.id, userId)).toEqual(membership);
    });

    it('returns null for a non-member', async () => {
      const community = await fixtures.community();
      expect(await memberships().get(community.id, fixtures.id())).toBeNull();
    });

    it("does not return a user's membership of another community", async () => {
      const one = await fixtures.community();
      const other = await fixtures.community();
      const userId = fixtures.id();
      await memberships().join(one.id, userId);
      expect(await memberships().get(other.id, userId)).toBeNull();
    });

    it('returns null for an unknown community', async () => {
      expect(await memberships().get(fixtures.id(), fixtures.id())).toBeNull();
    });
  });

  describe('MembershipRepository.setRole', () => {
    it("changes a member's role and keeps joinedAt and memberCount", async () => {
      clock.freeze();
      const community = await fixtures.community();
      const userId = fixtures.id();
      const membership = await memberships().join(community.id, userId);
      clock.advance(1_000);
      const promoted = await memberships().setRole(community.id, userId, 'moderator');
      expect(promoted).toEqual({ ...membership, role: 'moderator' });
      expect(await memberships().get(community.id, userId)).toEqual(promoted);
      expect(await memberships().setRole(community.id, userId, 'member')).toEqual(membership);
      expect((await reload(community.id)).memberCount).toBe(2);
    });

    it('fails with NOT_FOUND for a non-member, adding nobody', async () => {
      const community = await fixtures.community();
      const userId = fixtures.id();
      await expectCohortError(memberships().setRole(community.id, userId, 'moderator'), 'NOT_FOUND');
      expect(await memberships().get(community.id, userId)).toBeNull();
      expect((await reload(community.id)).memberCount).toBe(1);
    });

    it('fails with NOT_FOUND for an unknown community', async () => {
      await expectCohortError(memberships().setRole(fixtures.id(), fixtures.id(), 'member'), 'NOT_FOUND');
    });
  });

  describe('MembershipRepository.listMembers', () => {
    it('lists members by joinedAt, ties by userId, across pages', async () => {
      clock.freeze();
      const community = await fixtures.community();
      clock.advance(1_000);
      // Joined in descending id order at one instant, so only the tie-breaker puts them in order.
      const together = Array.from({ length: 5 }, () => fixtures.id())
        .sort(byCodePoint)
        .reverse();
      for (const userId of together) await memberships().join(community.id, userId);
      clock.advance(1_000);
      const last = fixtures.id();
      await memberships().join(community.id, last);
      const expected = [community.ownerId, ...[...together].sort(byCodePoint), last];
      const first = await memberships().listMembers(community.id, { limit: 2 });
      expect(first.items).toHaveLength(2);
      expect(first.nextCursor).not.toBeNull();
      expect((await members(community.id, 2)).map((member) => member.userId)).toEqual(expected);
      expect((await members(community.id)).map((member) => member.userId)).toEqual(expected);
    });

    it('lists as many members as memberCount counts', async () => {
      const community = await fixtures.community();
      const users = Array.from({ length: 6 }, () => fixtures.id());
      for (const userId of users) await memberships().join(community.id, userId);
      await memberships().leave(community.id, users[1] as string);
      await memberships().leave(community.id, users[4] as string);
      const listed = await members(community.id);
      expect(listed).toHaveLength(5);
      expect((await reload(community.id)).memberCount).toBe(listed.length);
    });

    it('is empty for an unknown community', async () => {
      expect(await memberships().listMembers(fixtures.id())).toEqual({ items: [], nextCursor: null });
    });
  });

  describe('MembershipRepository.listByUser', () => {
    it('lists the communities of a user by joinedAt, ties by communityId', async () => {
      clock.freeze();
      const userId = fixtures.id();
      const owned = await fixtures.community({ ownerId: userId });
      const early = await fixtures.community();
      const together: Community[] = [];
      for (let i = 0; i < 5; i += 1) together.push(await fixtures.community());
      await fixtures.community(); // one the user never joins
      clock.advance(1_000);
      await memberships().join(early.id, userId);
      clock.advance(1_000);
      // Joined in descending id order at one instant, so only the tie-breaker puts them in order.
      const descending = together
        .map((community) => community.id)
        .sort(byCodePoint)
        .reverse();
      for (const [i, communityId] of descending.entries()) {
        await memberships().join(communityId, userId, i === 0 ? 'moderator' : 'member');
      }
      const listed = await membershipsOf(userId, 2);
      expect(listed.map((membership) => membership.communityId)).toEqual([
        owned.id,
        early.id,
        ...[...descending].reverse(),
      ]);
      expect(listed[0]).toMatchObject({ userId, role: 'owner' });
      expect(listed.every((membership) => membership.userId === userId)).toBe(true);
    });

    it('leaves out communities the user left', async () => {
      const userId = fixtures.id();
      const kept = await fixtures.community();
      const left = await fixtures.community();
      await memberships().join(kept.id, userId);
      await memberships().join(left.id, userId);
      await memberships().leave(left.id, userId);
      expect((await membershipsOf(userId)).map((membership) => membership.communityId)).toEqual([kept.id]);
    });

    it('is empty for a user without memberships', async () => {
      expect(await memberships().listByUser(fixtures.id())).toEqual({ items: [], nextCursor: null });
    });
  });
}
