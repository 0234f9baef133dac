import { DEFAULT_PAGE_LIMIT } from '@cohort/core';
import { queryIndexPage } from '../stores/dynamo-raw.js';
import { cycle, expectRows, expectSame, type Operation } from './operation.js';

const LIMIT = DEFAULT_PAGE_LIMIT;

const SELECT = `SELECT "id" AS "id", "post_id" AS "postId", "author_id" AS "authorId", "body" AS "body",
  "created_at" AS "createdAt"
  FROM "comments"
  WHERE post_id = $1
  ORDER BY created_at, id
  LIMIT $2`;

const ids = (rows: readonly Record<string, unknown>[]) => rows.slice(0, LIMIT).map((row) => row['id']);

/** `posts.listComments(postId)`: the first page of a busy post's comments, oldest first. */
export const postComments: Operation = {
  id: 'post-comments',
  name: 'comments of a post',
  kind: 'read',
  postgres({ store, pool, data }) {
    const plan = {
      input: (index: number) => cycle(data.hotPosts, index),
      adapter: async (post: string) => (await store.posts.listComments(post)).items.map((comment) => comment.id),
      raw: async (post: string) => ids((await pool.query(SELECT, [post, LIMIT + 1])).rows),
      async verify() {
        for (const post of data.hotPosts.slice(0, 5)) {
          const adapter = await plan.adapter(post);
          expectRows('comments', adapter);
          expectSame('comments', adapter, await plan.raw(post));
        }
      },
    };
    return plan;
  },
  dynamo({ store, client, tableName, data }) {
    const plan = {
      input: (index: number) => cycle(data.hotPosts, index),
      adapter: async (post: string) => (await store.posts.listComments(post)).items.map((comment) => comment.id),
      raw: async (post: string) =>
        ids(
          await queryIndexPage(client, {
            tableName,
            index: 'gsi1',
            partition: `COMMENTS#${post}`,
            newestFirst: false,
            limit: LIMIT + 1,
          }),
        ),
      async verify() {
        for (const post of data.hotPosts.slice(0, 5)) {
          const adapter = await plan.adapter(post);
          expectRows('comments', adapter);
          expectSame('comments', adapter, await plan.raw(post));
        }
      },
    };
    return plan;
  },
};
