import { newId, type CohortServices, type Community, type Post, type User } from '@cohort/core';
import { describe, expect, it } from 'vitest';
import { expectCohortError } from '../../src/contract/expect-cohort-error.js';
import { T0, createHarness, type Harness } from './service-harness.js';

/** A community with one of each kind of person, and a post with a comment by a plain member. */
async function cast(h: Harness, visibility: 'public' | 'private') {
  const [owner, moderator, author, member, outsider] = [
    await h.user(),
    await h.user(),
    await h.user(),
    await h.user(),
    await h.user(),
  ];
  const community = await h.community(owner, { visibility, members: [author, member], moderators: [moderator] });
  const post = await h.store.posts.create({ communityId: community.id, authorId: author.id, body: 'Hello' });
  await h.store.posts.addComment(post.id, { authorId: author.id, body: 'First!' });
  return { owner, moderator, author, member, outsider, community, post };
}

type Cast = Awaited<ReturnType<typeof cast>>;
type Role = 'owner' | 'moderator' | 'author' | 'member' | 'outsider';

const reads: [string, (s: CohortServices, actor: User, c: Cast) => Promise<unknown>][] = [
  ['readFeed', (s, actor, c) => s.posts.readFeed(actor.id, c.community.id)],
  ['getPost', (s, actor, c) => s.posts.getPost(actor.id, c.post.id)],
  ['listComments', (s, actor, c) => s.posts.listComments(actor.id, c.post.id)],
  ['listMembers', (s, actor, c) => s.communities.listMembers(actor.id, c.community.id)],
];

const writes: [string, (s: CohortServices, actor: User, c: Cast) => Promise<unknown>][] = [
  ['post', (s, actor, c) => s.posts.post(actor.id, c.community.id, 'Me too')],
  ['comment', (s, actor, c) => s.posts.comment(actor.id, c.post.id, 'Agreed')],
  ['react', (s, actor, c) => s.posts.react(actor.id, c.post.id, 'like')],
];

const members: Role[] = ['owner', 'moderator', 'author', 'member'];

describe('private community authorization', () => {
  describe.each(reads)('%s', (_name, read) => {
    it('is FORBIDDEN to a non-member', async () => {
      const h = createHarness();
      const c = await cast(h, 'private');
      await expectCohortError(read(h.services, c.outsider, c), 'FORBIDDEN');
    });

    it.each(members)('is allowed to the %s', async (role) => {
      const h = createHarness();
      const c = await cast(h, 'private');
      await expect(read(h.services, c[role], c)).resolves.toBeTruthy();
    });
  });

  describe.each(writes)('%s', (_name, write) => {
    it('is FORBIDDEN to a non-member, and records nothing', async () => {
      const h = createHarness();
      const c = await cast(h, 'private');
      await expectCohortError(write(h.services, c.outsider, c), 'FORBIDDEN');
      expect(await h.activityOf(c.outsider.id)).toEqual([]);
    });

    it.each(members)('is allowed to the %s', async (role) => {
      const h = createHarness();
      const c = await cast(h, 'private');
      await expect(write(h.services, c[role], c)).resolves.toBeTruthy();
    });
  });

  it('hides the post from a former member', async () => {
    const h = createHarness();
    const c = await cast(h, 'private');
    await h.services.communities.leaveCommunity(c.member.id, c.community.id);
    await expectCohortError(h.services.posts.getPost(c.member.id, c.post.id), 'FORBIDDEN');
    await expectCohortError(h.services.posts.comment(c.member.id, c.post.id, 'still here?'), 'FORBIDDEN');
  });
});

describe('public community authorization', () => {
  describe.each(reads)('%s', (_name, read) => {
    it.each([...members, 'outsider'] as Role[])('is allowed to the %s', async (role) => {
      const h = createHarness();
      const c = await cast(h, 'public');
      await expect(read(h.services, c[role], c)).resolves.toBeTruthy();
    });
  });

  describe.each(writes)('%s', (_name, write) => {
    it('is FORBIDDEN to a non-member until they join', async () => {
      const h = createHarness();
      const c = await cast(h, 'public');
      await expectCohortError(write(h.services, c.outsider, c), 'FORBIDDEN');
      await h.services.communities.joinCommunity(c.outsider.id, c.community.id);
      await expect(write(h.services, c.outsider, c)).resolves.toBeTruthy();
    });
  });
});

describe.each(['public', 'private'] as const)('PostService.removePost in a %s community', (visibility) => {
  it.each(['author', 'moderator', 'owner'] as Role[])('is allowed to the %s', async (role) => {
    const h = createHarness();
    const c = await cast(h, visibility);
    await h.services.posts.removePost(c[role].id, c.post.id);
    expect(await h.store.posts.getById(c.post.id)).toBeNull();
    expect((await h.store.posts.listComments(c.post.id)).items).toEqual([]);
  });

  it.each(['member', 'outsider'] as Role[])('is FORBIDDEN to another %s', async (role) => {
    const h = createHarness();
    const c = await cast(h, visibility);
    await expectCohortError(h.services.posts.removePost(c[role].id, c.post.id), 'FORBIDDEN');
    expect(await h.store.posts.getById(c.post.id)).not.toBeNull();
    expect(await h.activityOf(c[role].id)).toEqual([]);
  });

  it('lets authors remove their own post after leaving', async () => {
    const h = createHarness();
    const c = await cast(h, visibility);
    await h.services.communities.leaveCommunity(c.author.id, c.community.id);
    await h.services.posts.removePost(c.author.id, c.post.id);
    expect(await h.store.posts.getById(c.post.id)).toBeNull();
  });

  it('does not let a moderator of another community remove it', async () => {
    const h = createHarness();
    const c = await cast(h, visibility);
    const elsewhere = await h.user();
    await h.community(await h.user(), { moderators: [elsewhere] });
    await expectCohortError(h.services.posts.removePost(elsewhere.id, c.post.id), 'FORBIDDEN');
  });
});

describe('PostService activity', () => {
  async function setup(h: Harness): Promise<{ community: Community; ada: User; bo: User; post: Post }> {
    const [ada, bo] = [await h.user(), await h.user()];
    const community = await h.community(ada, { members: [bo] });
    const post = await h.services.posts.post(ada.id, community.id, '  Welcome!  ');
    return { community, ada, bo, post };
  }

  it('post records posted with the community', async () => {
    const h = createHarness();
    const { community, ada, post } = await setup(h);
    expect(post).toMatchObject({ body: 'Welcome!', authorId: ada.id, communityId: community.id, commentCount: 0 });
    expect(await h.activityOf(ada.id)).toEqual([
      {
        actorId: ada.id,
        verb: 'posted',
        object: { type: 'post', id: post.id },
        occurredAt: T0,
        metadata: { communityId: community.id },
      },
    ]);
  });

  it('comment records commented on the post, naming the comment', async () => {
    const h = createHarness();
    const { community, bo, post } = await setup(h);
    h.clock.advance(1000);
    const comment = await h.services.posts.comment(bo.id, post.id, ' Thanks ');
    expect(comment).toMatchObject({ postId: post.id, authorId: bo.id, body: 'Thanks' });
    expect(await h.activityOf(bo.id)).toEqual([
      {
        actorId: bo.id,
        verb: 'commented',
        object: { type: 'post', id: post.id },
        occurredAt: h.clock.now(),
        metadata: { commentId: comment.id, communityId: community.id },
      },
    ]);
    expect((await h.services.posts.getPost(bo.id, post.id))?.commentCount).toBe(1);
  });

  it('react records reacted once per kind; unreact records nothing', async () => {
    const h = createHarness();
    const { community, bo, post } = await setup(h);
    expect(await h.services.posts.react(bo.id, post.id, 'celebrate')).toBe(true);
    expect(await h.services.posts.react(bo.id, post.id, 'celebrate')).toBe(false);
    expect(await h.services.posts.unreact(bo.id, post.id, 'celebrate')).toBe(true);
    expect(await h.services.posts.unreact(bo.id, post.id, 'celebrate')).toBe(false);
    expect(await h.activityOf(bo.id)).toEqual([
      {
        actorId: bo.id,
        verb: 'reacted',
        object: { type: 'post', id: post.id },
        occurredAt: T0,
        metadata: { kind: 'celebrate', communityId: community.id },
      },
    ]);
    await expectCohortError(h.services.posts.react(bo.id, post.id, 'love' as never), 'VALIDATION');
  });

  it('removePost records removed by the remover, naming the author', async () => {
    const h = createHarness();
    const [owner, author] = [await h.user(), await h.user()];
    const community = await h.community(owner, { members: [author] });
    const post = await h.services.posts.post(author.id, community.id, 'oops');
    h.clock.advance(1000);
    await h.services.posts.removePost(owner.id, post.id);
    expect(await h.activityOf(owner.id)).toEqual([
      {
        actorId: owner.id,
        verb: 'removed',
        object: { type: 'post', id: post.id },
        occurredAt: h.clock.now(),
        metadata: { communityId: community.id, authorId: author.id },
      },
    ]);
    await expectCohortError(h.services.posts.removePost(owner.id, post.id), 'NOT_FOUND');
  });

  it('is NOT_FOUND for a missing post or community and VALIDATION for an empty body', async () => {
    const h = createHarness();
    const { community, ada } = await setup(h);
    await expectCohortError(h.services.posts.post(ada.id, newId(), 'x'), 'NOT_FOUND');
    await expectCohortError(h.services.posts.comment(ada.id, newId(), 'x'), 'NOT_FOUND');
    await expectCohortError(h.services.posts.react(ada.id, newId(), 'like'), 'NOT_FOUND');
    await expectCohortError(h.services.posts.readFeed(ada.id, newId()), 'NOT_FOUND');
    expect(await h.services.posts.getPost(ada.id, newId())).toBeNull();
    await expectCohortError(h.services.posts.listComments(ada.id, newId()), 'NOT_FOUND');
    await expectCohortError(h.services.posts.post(ada.id, community.id, '   '), 'VALIDATION');
    await expectCohortError(h.services.posts.post(ada.id, community.id, 'a\u0000b'), 'VALIDATION');
  });
});

describe('PostService.readFeed', () => {
  it('pages newest first, and rejects a cursor from another feed', async () => {
    const h = createHarness();
    const ada = await h.user();
    const community = await h.community(ada);
    const other = await h.community(ada);
    const posts: Post[] = [];
    for (let i = 0; i < 5; i += 1) {
      h.clock.advance(1000);
      posts.push(await h.services.posts.post(ada.id, community.id, `post ${i}`));
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await h.services.posts.readFeed(ada.id, community.id, { limit: 2, cursor });
      seen.push(...page.items.map((post) => post.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual(posts.map((post) => post.id).reverse());

    const first = await h.services.posts.readFeed(ada.id, community.id, { limit: 2 });
    await expectCohortError(h.services.posts.readFeed(ada.id, other.id, { cursor: first.nextCursor }), 'VALIDATION');
    await expectCohortError(h.services.posts.readFeed(ada.id, community.id, { limit: 0 }), 'VALIDATION');
  });

  it('lists comments oldest first', async () => {
    const h = createHarness();
    const ada = await h.user();
    const community = await h.community(ada);
    const post = await h.services.posts.post(ada.id, community.id, 'thread');
    const bodies = ['one', 'two', 'three'];
    for (const body of bodies) {
      h.clock.advance(1000);
      await h.services.posts.comment(ada.id, post.id, body);
    }
    const page = await h.services.posts.listComments(ada.id, post.id);
    expect(page.items.map((comment) => comment.body)).toEqual(bodies);
  });
});
