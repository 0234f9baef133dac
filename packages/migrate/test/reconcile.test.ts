import { createMemoryStore } from '@cohort/adapters-memory';
import { CohortError, type Comment, type Community, type Membership, type Post, type Reaction } from '@cohort/core';
import { describe, expect, it } from 'vitest';
import { backfill, reconcile, verify } from '../src/index.js';
import { seededMemoryStore } from './support/platform.js';

const at = new Date('2024-03-01T00:00:00Z');
const uuid = (n: number): string => `018f0000-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;

/** A copy of a seeded store, plus records only the target has: a community and a post that are gone from the source, with their children. */
async function copyWithOrphans(orphanComments = 191) {
  const source = await seededMemoryStore();
  const target = createMemoryStore();
  await backfill({ source, target });
  const [someUser] = (await source.recordSets.users.scan({ limit: 1 })).items;
  const userId = someUser!.id;
  const community: Community = {
    id: uuid(1),
    slug: 'gone-guild',
    name: 'Gone',
    description: '',
    visibility: 'public',
    ownerId: userId,
    memberCount: 1,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  const post: Post = {
    id: uuid(2),
    communityId: community.id,
    authorId: userId,
    body: 'Gone',
    commentCount: orphanComments,
    reactionCounts: { like: 1, celebrate: 0, insightful: 0, support: 0 },
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  const comments: Comment[] = Array.from({ length: orphanComments }, (_, i) => ({
    id: uuid(1000 + i),
    postId: post.id,
    authorId: userId,
    body: `Orphan ${i}`,
    createdAt: at,
  }));
  const reaction: Reaction = { postId: post.id, userId, kind: 'like', createdAt: at };
  const membership: Membership = { communityId: community.id, userId, role: 'owner', joinedAt: at };
  await target.recordSets.communities.putMany([community]);
  await target.recordSets.memberships.putMany([membership]);
  await target.recordSets.posts.putMany([post]);
  await target.recordSets.comments.putMany(comments);
  await target.recordSets.reactions.putMany([reaction]);
  await target.recordSets.activity.putMany([
    {
      id: uuid(9),
      actorId: userId,
      verb: 'viewed',
      object: { type: 'post', id: post.id },
      occurredAt: at,
      metadata: {},
    },
  ]);
  return { source, target, comments };
}

describe('reconcile', () => {
  it('deletes orphaned comments, reactions, memberships and activity of records that are gone', async () => {
    const { source, target } = await copyWithOrphans();
    const report = await reconcile({ source, target });
    expect(report.converged).toBe(true);
    expect(report.recordSets.flatMap((set) => set.unrepairable)).toEqual([]);
    const deleted = Object.fromEntries(report.recordSets.map((set) => [set.recordSet, set.deleted]));
    expect(deleted).toMatchObject({
      comments: 191,
      reactions: 1,
      memberships: 1,
      posts: 1,
      communities: 1,
      activity: 1,
    });
    const verified = await verify({ source, target, recheckDelayMs: 0 });
    expect(verified.summary).toMatchObject({ differences: 0, danglingReferences: 0 });
  });

  it('reports every key it could not delete, by key, truthfully after every round', async () => {
    const { source, target, comments } = await copyWithOrphans();
    // A target that refuses to delete comments (as a store would refuse a record something still points at).
    const refusing = {
      ...target,
      recordSets: {
        ...target.recordSets,
        comments: {
          ...target.recordSets.comments,
          deleteMany: () => Promise.reject(CohortError.conflict('comments are still referenced')),
        },
      },
    };
    const report = await reconcile({ source, target: refusing, maxRounds: 6 });
    expect(report.converged).toBe(false);
    const unrepairable = report.recordSets.find((set) => set.recordSet === 'comments')?.unrepairable ?? [];
    expect(unrepairable.map((difference) => difference.key).sort()).toEqual(comments.map((c) => c.id).sort());
    expect(new Set(unrepairable.map((difference) => difference.kind))).toEqual(new Set(['missing-in-source']));
  });

  it('lets a parent go once its children are gone, instead of reporting it', async () => {
    const { source, target } = await copyWithOrphans(5);
    // Like PostgreSQL: a post whose comments or reactions are still there cannot be deleted.
    const strict = {
      ...target,
      recordSets: {
        ...target.recordSets,
        posts: {
          ...target.recordSets.posts,
          deleteMany: async (keys: readonly string[]) => {
            const comments = (await target.recordSets.comments.scan({ limit: 1000 })).items;
            if (comments.some((comment) => keys.includes(comment.postId))) {
              throw CohortError.conflict('post still has comments');
            }
            await target.recordSets.posts.deleteMany(keys);
          },
        },
      },
    };
    const report = await reconcile({ source, target: strict });
    expect(report.converged).toBe(true);
    expect(report.recordSets.flatMap((set) => set.unrepairable)).toEqual([]);
    expect(await target.recordSets.posts.count()).toBe(await source.recordSets.posts.count());
  });
});
