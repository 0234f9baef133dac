import { DEFAULT_PAGE_LIMIT } from '@cohort/core';
import { queryIndexPage } from '../stores/dynamo-raw.js';
import { cycle, expectRows, expectSame, type Operation } from './operation.js';

const LIMIT = DEFAULT_PAGE_LIMIT;

const SELECT = `SELECT "id" AS "id", "kind" AS "kind", "title" AS "title", "summary" AS "summary",
  "author_id" AS "authorId", "tags" AS "tags", "status" AS "status", "published_at" AS "publishedAt",
  "created_at" AS "createdAt", "updated_at" AS "updatedAt", "version" AS "version"
  FROM "contents"
  WHERE status = 'published' AND tags @> ARRAY[$1]::text[]
  ORDER BY published_at DESC, id DESC
  LIMIT $2`;

const ids = (rows: readonly Record<string, unknown>[]) => rows.slice(0, LIMIT).map((row) => row['id']);

/** `contents.listPublished({ tag })`: the first page of published content with one tag, newest first. */
export const contentByTag: Operation = {
  id: 'content-by-tag',
  name: 'content listed by tag',
  kind: 'read',
  postgres({ store, pool, data }) {
    const plan = {
      input: (index: number) => cycle(data.tags, index),
      adapter: async (tag: string) => (await store.contents.listPublished({ tag })).items.map((content) => content.id),
      raw: async (tag: string) => ids((await pool.query(SELECT, [tag, LIMIT + 1])).rows),
      async verify() {
        for (const tag of data.tags.slice(0, 5)) {
          const adapter = await plan.adapter(tag);
          expectRows('content by tag', adapter);
          expectSame('content by tag', adapter, await plan.raw(tag));
        }
      },
    };
    return plan;
  },
  dynamo({ store, client, tableName, data }) {
    const plan = {
      input: (index: number) => cycle(data.tags, index),
      adapter: async (tag: string) => (await store.contents.listPublished({ tag })).items.map((content) => content.id),
      raw: async (tag: string) =>
        ids(
          await queryIndexPage(client, {
            tableName,
            index: 'gsi1',
            partition: `PUBLISHED#TAG#${tag}`,
            newestFirst: true,
            limit: LIMIT + 1,
          }),
        ),
      async verify() {
        for (const tag of data.tags.slice(0, 5)) {
          const adapter = await plan.adapter(tag);
          expectRows('content by tag', adapter);
          expectSame('content by tag', adapter, await plan.raw(tag));
        }
      },
    };
    return plan;
  },
};
