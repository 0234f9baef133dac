import { noReactions, type CohortStore, type Comment, type Post } from '@cohort/core';
import { describe, expect, it } from 'vitest';
import type { ContractContext } from '../contract-context.js';
import { expectCohortError } from '../expect-cohort-error.js';
import { collectAll } from './collect-pages.js';

/** Code-point order, the order every store must agree on (no locale collation). */
const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function postsContract(context: ContractContext): void {
  const { fixtures, clock } = context;
  const posts = () => context.store().posts;

  const feed = (communityId: string, limit = 100, store: CohortStore = context.store()): Promise<Post[]> =>
    collectAll((cursor) => store.posts.feed(communityId, { cursor, limit }));
  const comments = (postId: string, limit = 100, store: CohortStore = context.store()): Promise<Comment[]> =>
    collectAll((cursor) => store.posts.listComments(postId, { cursor, limit }));

  async function reload(id: string): Promise<Post> {
    const post = await posts().getById(id);
    expect(post, `post ${id} should exist`).not.toBeNull();
    return post as Post;
  }

  async function commentOn(postId: string, count: number): Promise<Comment[]> {
    const made: Comment[] = [];
    for (let i = 0; i < count; i += 1) {
      made.push(await posts().addComment(postId, { authorId: fixtures.id(), body: `Comment ${i}` }));
    }
    return made;
  }

  describe('PostRepository.create', () => {
    it('stores a post with no comments or reactions at version 1', async () => {
      clock.freeze();
      const now = clock.now();
      const community = await fixtures.community();
      const authorId = fixtures.id();
      const post = await posts().create({ communityId: community.id, authorId, body: '  First!  ' });
      expect(post).toEqual({
        id: expect.any(String) as string,
        communityId: community.id,
        authorId,
        body: 'First!',
        commentCount: 0,
        reactionCounts: { like: 0, celebrate: 0, insightful: 0, support: 0 },
        createdAt: now,
        updatedAt: now,
        version: 1,
      });
      expect(await posts().getById(post.id)).toEqual(post);
    });

    it('fails with NOT_FOUND for an unknown community', async () => {
      const communityId = fixtures.id();
      await expectCohortError(posts().create({ communityId, authorId: fixtures.id(), body: 'Hello' }), 'NOT_FOUND');
      expect(await posts().feed(communityId)).toEqual({ items: [], nextCursor: null });
    });
  });

  describe('PostRepository.getById', () => {
    it('returns the stored post', async () => {
      const post = await fixtures.post();
      expect(await posts().getById(post.id)).toEqual(post);
    });

    it('returns null for an unknown id', async () => {
      expect(await posts().getById(fixtures.id())).toBeNull();
    });
  });

  describe('PostRepository.update', () => {
    it('applies the patch and bumps version and updatedAt', async () => {
      clock.freeze();
      const post = await fixtures.post();
      clock.advance(1_000);
      const updated = await posts().update(post.id, { body: 'Edited' }, post.version);
      expect(updated).toEqual({ ...post, body: 'Edited', updatedAt: clock.now(), version: post.version + 1 });
      expect(await posts().getById(post.id)).toEqual(updated);
    });

    it('bumps the version for an empty patch', async () => {
      clock.freeze();
      const post = await fixtures.post();
      clock.advance(5);
      expect(await posts().update(post.id, {}, post.version)).toEqual({
        ...post,
        updatedAt: clock.now(),
        version: post.version + 1,
      });
    });

    it('fails with CONCURRENCY for a stale version and keeps the stored post', async () => {
      const post = await fixtures.post();
      const updated = await posts().update(post.id, { body: 'First edit' }, post.version);
      await expectCohortError(posts().update(post.id, { body: 'Second edit' }, post.version), 'CONCURRENCY');
      expect(await posts().getById(post.id)).toEqual(updated);
    });

    it('fails with NOT_FOUND for an unknown post, whatever the version', async () => {
      await expectCohortError(posts().update(fixtures.id(), { body: 'Ghost' }, 1), 'NOT_FOUND');
      await expectCohortError(posts().update(fixtures.id(), { body: 'Ghost' }, 9), 'NOT_FOUND');
    });

    it('keeps the comment and reaction counts', async () => {
      const post = await fixtures.post();
      await commentOn(post.id, 2);
      await posts().react(post.id, fixtures.id(), 'like');
      await posts().react(post.id, fixtures.id(), 'support');
      const current = await reload(post.id);
      const updated = await posts().update(post.id, { body: 'Edited' }, current.version);
      expect(updated).toMatchObject({ commentCount: 2, reactionCounts: { ...noReactions(), like: 1, support: 1 } });
      expect(await reload(post.id)).toEqual(updated);
    });
  });

  describe('PostRepository.remove', () => {
    it('deletes the post with its comments and reactions', async () => {
      const post = await fixtures.post();
      await commentOn(post.id, 3);
      const reactor = fixtures.id();
      await posts().react(post.id, reactor, 'celebrate');
      expect(await posts().remove(post.id)).toBe(true);
      expect(await posts().getById(post.id)).toBeNull();
      expect(await posts().listComments(post.id)).toEqual({ items: [], nextCursor: null });
      expect((await feed(post.communityId)).map((item) => item.id)).not.toContain(post.id);
      expect(await posts().unreact(post.id, reactor, 'celebrate')).toBe(false);
      await expectCohortError(posts().addComment(post.id, { authorId: fixtures.id(), body: 'Late' }), 'NOT_FOUND');
      await expectCohortError(posts().react(post.id, reactor, 'celebrate'), 'NOT_FOUND');
    });

    it('removes only the comments and reactions of that post', async () => {
      const store = await context.isolatedStore();
      const community = await store.communities.create({ slug: fixtures.slug(), name: 'Iso', ownerId: fixtures.id() });
      const create = () => store.posts.create({ communityId: community.id, authorId: fixtures.id(), body: 'Post' });
      const [removed, kept] = [await create(), await create()];
      for (const post of [removed, kept]) {
        await store.posts.addComment(post.id, { authorId: fixtures.id(), body: 'One' });
        await store.posts.addComment(post.id, { authorId: fixtures.id(), body: 'Two' });
        await store.posts.react(post.id, fixtures.id(), 'like');
        await store.posts.react(post.id, fixtures.id(), 'insightful');
      }
      await store.posts.addComment(kept.id, { authorId: fixtures.id(), body: 'Three' });
      expect(await store.posts.remove(removed.id)).toBe(true);
      expect(await store.recordSets.posts.count()).toBe(1);
      expect(await store.recordSets.comments.count()).toBe(3);
      expect(await store.recordSets.reactions.count()).toBe(2);
      expect(await comments(kept.id, 100, store)).toHaveLength(3);
      expect(await store.posts.getById(kept.id)).toMatchObject({
        commentCount: 3,
        reactionCounts: { ...noReactions(), like: 1, insightful: 1 },
      });
    });

    it('returns false for an unknown post', async () => {
      expect(await posts().remove(fixtures.id())).toBe(false);
    });

    it('returns false the second time', async () => {
      const post = await fixtures.post();
      expect(await posts().remove(post.id)).toBe(true);
      expect(await posts().remove(post.id)).toBe(false);
    });
  });

  describe('PostRepository.feed', () => {
    it('lists posts newest first across pages', async () => {
      clock.freeze();
      const community = await fixtures.community();
      const made: Post[] = [];
      for (let i = 0; i < 5; i += 1) {
        clock.advance(1_000);
        made.push(await fixtures.post({ communityId: community.id, body: `Post ${i}` }));
      }
      const first = await posts().feed(community.id, { limit: 2 });
      expect(first.items).toEqual([made[4], made[3]]);
      expect(first.nextCursor).not.toBeNull();
      expect(await feed(community.id, 2)).toEqual([...made].reverse());
    });

    it('orders posts created together by id, descending', async () => {
      clock.freeze();
      const community = await fixtures.community();
      clock.advance(1_000);
      const together: Post[] = [];
      for (let i = 0; i < 6; i += 1) together.push(await fixtures.post({ communityId: community.id }));
      clock.advance(1_000);
      const newest = await fixtures.post({ communityId: community.id });
      const expected = [
        newest.id,
        ...together
          .map((post) => post.id)
          .sort(byCodePoint)
          .reverse(),
      ];
      expect((await feed(community.id, 2)).map((post) => post.id)).toEqual(expected);
    });

    it('lists only the posts of that community', async () => {
      const one = await fixtures.community();
      const other = await fixtures.community();
      const mine = await fixtures.post({ communityId: one.id });
      const theirs = await fixtures.post({ communityId: other.id });
      expect((await feed(one.id)).map((post) => post.id)).toEqual([mine.id]);
      expect((await feed(other.id)).map((post) => post.id)).toEqual([theirs.id]);
    });

    it('is empty for a community without posts and for an unknown community', async () => {
      const community = await fixtures.community();
      expect(await posts().feed(community.id)).toEqual({ items: [], nextCursor: null });
      expect(await posts().feed(fixtures.id())).toEqual({ items: [], nextCursor: null });
    });
  });

  describe('PostRepository.addComment', () => {
    it('stores the comment and increments commentCount', async () => {
      clock.freeze();
      const post = await fixtures.post();
      clock.advance(1_000);
      const authorId = fixtures.id();
      const comment = await posts().addComment(post.id, { authorId, body: '  Nice one  ' });
      expect(comment).toEqual({
        id: expect.any(String) as string,
        postId: post.id,
        authorId,
        body: 'Nice one',
        createdAt: clock.now(),
      });
      expect((await reload(post.id)).commentCount).toBe(1);
      await posts().addComment(post.id, { authorId, body: 'And another' });
      expect((await reload(post.id)).commentCount).toBe(2);
      expect(await comments(post.id)).toContainEqual(comment);
    });

    it('fails with NOT_FOUND for an unknown post', async () => {
      const postId = fixtures.id();
      await expectCohortError(posts().addComment(postId, { authorId: fixtures.id(), body: 'Hello?' }), 'NOT_FOUND');
      expect(await posts().listComments(postId)).toEqual({ items: [], nextCursor: null });
    });
  });

  describe('PostRepository.listComments', () => {
    it('lists comments oldest first across pages', async () => {
      clock.freeze();
      const post = await fixtures.post();
      const made: Comment[] = [];
      for (let i = 0; i < 5; i += 1) {
        clock.advance(1_000);
        made.push(await posts().addComment(post.id, { authorId: fixtures.id(), body: `Comment ${i}` }));
      }
      const first = await posts().listComments(post.id, { limit: 2 });
      expect(first.items).toEqual(made.slice(0, 2));
      expect(first.nextCursor).not.toBeNull();
      expect(await comments(post.id, 2)).toEqual(made);
      expect((await reload(post.id)).commentCount).toBe(5);
    });

    it('orders comments made together by id', async () => {
      clock.freeze();
      const post = await fixtures.post();
      const made = await commentOn(post.id, 6);
      expect((await comments(post.id, 3)).map((comment) => comment.id)).toEqual(
        made.map((comment) => comment.id).sort(byCodePoint),
      );
    });

    it("lists only that post's comments", async () => {
      const one = await fixtures.post();
      const other = await fixtures.post({ communityId: one.communityId });
      const [mine] = (await commentOn(one.id, 1)) as [Comment];
      const [theirs] = (await commentOn(other.id, 1)) as [Comment];
      expect(await comments(one.id)).toEqual([mine]);
      expect(await comments(other.id)).toEqual([theirs]);
    });

    it('is empty for a post without comments and for an unknown post', async () => {
      const post = await fixtures.post();
      expect(await posts().listComments(post.id)).toEqual({ items: [], nextCursor: null });
      expect(await posts().listComments(fixtures.id())).toEqual({ items: [], nextCursor: null });
    });
  });

  describe('PostRepository.react', () => {
    it('adds a reaction and counts it', async () => {
      const post = await fixtures.post();
      expect(await posts().react(post.id, fixtures.id(), 'like')).toBe(true);
      expect((await reload(post.id)).reactionCounts).toEqual({ ...noReactions(), like: 1 });
    });

    it('returns false for a reaction that already exists and counts it once', async () => {
      const post = await fixtures.post();
      const userId = fixtures.id();
      expect(await posts().react(post.id, userId, 'insightful')).toBe(true);
      expect(await posts().react(post.id, userId, 'insightful')).toBe(false);
      expect(await posts().react(post.id, userId, 'insightful')).toBe(false);
      expect((await reload(post.id)).reactionCounts).toEqual({ ...noReactions(), insightful: 1 });
    });

    it('counts each kind of one user separately', async () => {
      const post = await fixtures.post();
      const userId = fixtures.id();
      for (const kind of ['like', 'celebrate', 'insightful', 'support'] as const) {
        expect(await posts().react(post.id, userId, kind)).toBe(true);
      }
      expect((await reload(post.id)).reactionCounts).toEqual({ like: 1, celebrate: 1, insightful: 1, support: 1 });
    });

    it('counts each user separately', async () => {
      const post = await fixtures.post();
      for (let i = 0; i < 3; i += 1) expect(await posts().react(post.id, fixtures.id(), 'celebrate')).toBe(true);
      await posts().react(post.id, fixtures.id(), 'support');
      expect((await reload(post.id)).reactionCounts).toEqual({ ...noReactions(), celebrate: 3, support: 1 });
    });

    it('does not count a reaction on another post', async () => {
      const one = await fixtures.post();
      const other = await fixtures.post({ communityId: one.communityId });
      const userId = fixtures.id();
      await posts().react(one.id, userId, 'like');
      expect(await posts().react(other.id, userId, 'like')).toBe(true);
      expect((await reload(one.id)).reactionCounts.like).toBe(1);
      expect((await reload(other.id)).reactionCounts.like).toBe(1);
    });

    it('fails with NOT_FOUND for an unknown post', async () => {
      await expectCohortError(posts().react(fixtures.id(), fixtures.id(), 'like'), 'NOT_FOUND');
    });
  });

  describe('PostRepository.unreact', () => {
    it('removes the reaction and uncounts it', async () => {
      const post = await fixtures.post();
      const userId = fixtures.id();
      await posts().react(post.id, userId, 'support');
      await posts().react(post.id, userId, 'like');
      expect(await posts().unreact(post.id, userId, 'support')).toBe(true);
      expect((await reload(post.id)).reactionCounts).toEqual({ ...noReactions(), like: 1 });
    });

    it('returns false when there was no such reaction, changing nothing', async () => {
      const post = await fixtures.post();
      const userId = fixtures.id();
      await posts().react(post.id, userId, 'like');
      expect(await posts().unreact(post.id, userId, 'celebrate')).toBe(false);
      expect(await posts().unreact(post.id, fixtures.id(), 'like')).toBe(false);
      expect(await posts().unreact(post.id, userId, 'like')).toBe(true);
      expect(await posts().unreact(post.id, userId, 'like')).toBe(false);
      expect((await reload(post.id)).reactionCounts).toEqual(noReactions());
    });

    it('returns false for an unknown post', async () => {
      expect(await posts().unreact(fixtures.id(), fixtures.id(), 'like')).toBe(false);
    });

    it('lets a user react again after unreacting', async () => {
      const post = await fixtures.post();
      const userId = fixtures.id();
      await posts().react(post.id, userId, 'celebrate');
      await posts().unreact(post.id, userId, 'celebrate');
      expect(await posts().react(post.id, userId, 'celebrate')).toBe(true);
      expect((await reload(post.id)).reactionCounts).toEqual({ ...noReactions(), celebrate: 1 });
    });
  });
}
