import { DEFAULT_PAGE_LIMIT } from '@cohort/core';
import { queryIndexPage } from '../stores/dynamo-raw.js';
import { cycle, expectRows, expectSame, type Operation } from './operation.js';

const LIMIT = DEFAULT_PAGE_LIMIT;

export const POST_COLUMNS = `"id" AS "id", "community_id" AS "communityId", "author_id" AS "authorId", "body" AS "body",
  "comment_count" AS "commentCount", "like_count" AS "likeCount", "celebrate_count" AS "celebrateCount",
  "insightful_count" AS "insightfulCount", "support_count" AS "supportCount", "created_at" AS "createdAt",
  "updated_at" AS "updatedAt", "version" AS "version"`;

const SELECT = `SELECT ${POST_COLUMNS} FROM "posts"
  WHERE community_id = $1
  ORDER BY created_at DESC, id DESC
  LIMIT $2`;

const ids = (rows: readonly Record<string, unknown>[]) => rows.slice(0, LIMIT).map((row) => row['id']);

/** `posts.feed(communityId)`: the first page of a big community's feed, newest first. */
export const feedFirstPage: Operation = {
  id: 'feed-first-page',
  name: 'community feed, first page',
  kind: 'read',
  postgres({ store, pool, data }) {
    const plan = {
      input: (index: number) => cycle(data.communities, index),
      adapter: async (community: string) => (await store.posts.feed(community)).items.map((post) => post.id),
      raw: async (community: string) => ids((await pool.query(SELECT, [community, LIMIT + 1])).rows),
      async verify() {
        for (const community of data.communities.slice(0, 5)) {
          const adapter = await plan.adapter(community);
          expectRows('feed', adapter);
          expectSame('feed', adapter, await plan.raw(community));
        }
      },
    };
    return plan;
  },
  dynamo({ store, client, tableName, data }) {
    const plan = {
      input: (index: number) => cycle(data.communities, index),
      adapter: async (community: string) => (await store.posts.feed(community)).items.map((post) => post.id),
      raw: async (community: string) =>
        ids(
          await queryIndexPage(client, {
            tableName,
            index: 'gsi1',
            partition: `FEED#${community}`,
            newestFirst: true,
            limit: LIMIT + 1,
          }),
        ),
      async verify() {
        for (const community of data.communities.slice(0, 5)) {
          const adapter = await plan.adapter(community);
          expectRows('feed', adapter);
          expectSame('feed', adapter, await plan.raw(community));
        }
      },
    };
    return plan;
  },
};
