import { DEFAULT_PAGE_LIMIT, type CohortStore } from '@cohort/core';
import { queryIndexPage, timeKey } from '../stores/dynamo-raw.js';
import { POST_COLUMNS } from './feed-first-page.js';
import { cycle, expectRows, expectSame, type Operation } from './operation.js';

const LIMIT = DEFAULT_PAGE_LIMIT;

/** Pages skipped before the measured one, when the biggest community has that many. */
const TARGET_DEPTH = 50;

const SELECT = `SELECT ${POST_COLUMNS} FROM "posts"
  WHERE community_id = $1 AND (created_at, id) < ($2::timestamptz, $3::uuid)
  ORDER BY created_at DESC, id DESC
  LIMIT $4`;

/** Where a deep page starts: the adapter's cursor, and the last post before it (what the raw side resumes after). */
interface DeepStart {
  readonly community: string;
  readonly cursor: string;
  readonly after: { readonly createdAt: Date; readonly id: string };
}

/** Walks `depth` pages of a feed through the adapter; null when the feed is shorter than that. */
async function walk(store: CohortStore, community: string, depth: number): Promise<DeepStart | null> {
  let cursor: string | null = null;
  let last: { createdAt: Date; id: string } | undefined;
  for (let page = 0; page < depth; page += 1) {
    const result = await store.posts.feed(community, cursor === null ? {} : { cursor });
    last = result.items.at(-1);
    cursor = result.nextCursor;
    if (cursor === null || last === undefined) return null;
  }
  return cursor === null || last === undefined ? null : { community, cursor, after: last };
}

/**
 * The deep page's depth (the biggest community's page count, at most TARGET_DEPTH) and the start of that page in
 * every sampled community that has as many pages.
 */
async function deepStarts(store: CohortStore, communities: readonly string[]) {
  let depth = TARGET_DEPTH;
  let biggest: DeepStart | null = null;
  while (depth > 0 && biggest === null) {
    biggest = await walk(store, communities[0] as string, depth);
    if (biggest === null) depth = Math.floor(depth / 2);
  }
  if (biggest === null) throw new Error('feed deep page: the biggest community has a single page of posts');
  const starts = [biggest];
  for (const community of communities.slice(1)) {
    const start = await walk(store, community, depth);
    if (start !== null) starts.push(start);
  }
  return { depth, starts, note: `page ${depth + 1}, after ${depth * LIMIT} posts; ${starts.length} communities` };
}

/** `posts.feed(communityId, { cursor })`: a page deep in a big community's feed, reached through the cursor. */
export const feedDeepPage: Operation = {
  id: 'feed-deep-page',
  name: 'community feed, deep page',
  kind: 'read',
  async postgres({ store, pool, data }) {
    const { starts, note } = await deepStarts(store, data.communities);
    const plan = {
      note,
      input: (index: number) => cycle(starts, index),
      adapter: async (start: DeepStart) =>
        (await store.posts.feed(start.community, { cursor: start.cursor })).items.map((post) => post.id),
      raw: async (start: DeepStart) => {
        const { rows } = await pool.query<{ id: string }>(SELECT, [
          start.community,
          start.after.createdAt.toISOString(),
          start.after.id,
          LIMIT + 1,
        ]);
        return rows.slice(0, LIMIT).map((row) => row.id);
      },
      async verify() {
        for (const start of starts.slice(0, 5)) {
          const adapter = await plan.adapter(start);
          expectRows('feed deep page', adapter);
          expectSame('feed deep page', adapter, await plan.raw(start));
        }
      },
    };
    return plan;
  },
  async dynamo({ store, client, tableName, data }) {
    const { starts, note } = await deepStarts(store, data.communities);
    const plan = {
      note,
      input: (index: number) => cycle(starts, index),
      adapter: async (start: DeepStart) =>
        (await store.posts.feed(start.community, { cursor: start.cursor })).items.map((post) => post.id),
      raw: async (start: DeepStart) => {
        const items = await queryIndexPage(client, {
          tableName,
          index: 'gsi1',
          partition: `FEED#${start.community}`,
          newestFirst: true,
          limit: LIMIT + 1,
          // The post's primary key plus its feed index key: where the index query resumes.
          startKey: {
            pk: `POST#${start.after.id}`,
            sk: 'POST',
            gsi1pk: `FEED#${start.community}`,
            gsi1sk: `${timeKey(start.after.createdAt.getTime())}#${start.after.id}`,
          },
        });
        return items.slice(0, LIMIT).map((item) => item['id']);
      },
      async verify() {
        for (const start of starts.slice(0, 5)) {
          const adapter = await plan.adapter(start);
          expectRows('feed deep page', adapter);
          expectSame('feed deep page', adapter, await plan.raw(start));
        }
      },
    };
    return plan;
  },
};
