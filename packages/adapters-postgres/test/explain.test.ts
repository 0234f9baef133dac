import {
  newId,
  type ActivityEvent,
  type CohortStore,
  type Comment,
  type Community,
  type Content,
  type Event,
  type Post,
  type Registration,
  type User,
} from '@cohort/core';
import type { Logger } from 'typeorm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openTestStore, type TestStore } from './postgres-test-database.js';

/**
 * Proves that every hot query is served by an index. A few thousand rows per table (loaded through putMany, then
 * ANALYZE) are enough for the planner to prefer the indexes on its own: no planner settings are touched. Each port
 * call runs with a logger that records its statements, and each recorded SELECT is EXPLAINed with its own
 * parameters, so the plans checked are those of the adapter's real SQL.
 */

interface Statement {
  readonly sql: string;
  readonly params: unknown[];
}

class RecordingLogger implements Logger {
  statements: Statement[] = [];
  logQuery(query: string, parameters?: unknown[]): void {
    this.statements.push({ sql: query, params: parameters ?? [] });
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

const DAY = 86_400_000;
const BASE = Date.UTC(2025, 0, 1);
const at = (ms: number) => new Date(BASE + ms);
const pick = <T>(items: readonly T[], index: number): T => items[index % items.length] as T;

describe('hot queries use indexes', () => {
  const logger = new RecordingLogger();
  let test: TestStore;
  let store: CohortStore;
  let users: User[];
  let contents: Content[];
  let communities: Community[];
  let events: Event[];
  let posts: Post[];
  let activity: ActivityEvent[];
  const tags = Array.from({ length: 150 }, (_, i) => `tag-${i}`);
  const rowCounts = new Map<string, number>();

  async function putAll<T>(put: (records: T[]) => Promise<void>, records: T[]): Promise<void> {
    for (let i = 0; i < records.length; i += 1000) await put(records.slice(i, i + 1000));
  }

  beforeAll(async () => {
    test = await openTestStore(inject('postgresUrl'), { dataSource: { logger } });
    store = test.store;
    const sets = store.recordSets;

    users = Array.from({ length: 5000 }, (_, i) => ({
      id: newId(BASE + i),
      email: `user-${i}@example.com`,
      displayName: `User ${i}`,
      role: 'learner',
      status: 'active',
      createdAt: at(i),
      updatedAt: at(i),
      version: 1,
    }));
    contents = Array.from({ length: 4000 }, (_, i) => ({
      id: newId(BASE + i),
      kind: 'course',
      title: `Course ${i}`,
      summary: '',
      authorId: pick(users, i % 400).id,
      tags: [pick(tags, i), pick(tags, i * 7 + 3)].filter((tag, index, all) => all.indexOf(tag) === index),
      status: i % 10 === 0 ? 'draft' : 'published',
      publishedAt: i % 10 === 0 ? null : at(i * 60_000),
      createdAt: at(i),
      updatedAt: at(i),
      version: 1,
    }));
    communities = Array.from({ length: 300 }, (_, i) => ({
      id: newId(BASE + i),
      slug: `community-${i}`,
      name: `Community ${i}`,
      description: '',
      visibility: 'public',
      ownerId: pick(users, i).id,
      memberCount: 0,
      createdAt: at(i),
      updatedAt: at(i),
      version: 1,
    }));
    events = Array.from({ length: 3000 }, (_, i) => ({
      id: newId(BASE + i),
      title: `Event ${i}`,
      description: '',
      hostId: pick(users, i).id,
      communityId: pick(communities, i).id,
      startsAt: at(i * 3_600_000),
      endsAt: at(i * 3_600_000 + 7_200_000),
      capacity: 100,
      registeredCount: 0,
      waitlistCount: 0,
      status: i % 20 === 0 ? 'cancelled' : 'scheduled',
      createdAt: at(i),
      updatedAt: at(i),
      version: 1,
    }));
    const registrations: Registration[] = Array.from({ length: 6000 }, (_, i) => ({
      eventId: pick(events, i % 300).id,
      userId: pick(users, i).id,
      status: 'registered',
      position: Math.floor(i / 300) + 1,
      registeredAt: at(i),
      updatedAt: at(i),
    }));
    posts = Array.from({ length: 6000 }, (_, i) => ({
      id: newId(BASE + i),
      communityId: pick(communities, i).id,
      authorId: pick(users, i).id,
      body: `Post ${i}`,
      commentCount: 0,
      reactionCounts: { like: 0, celebrate: 0, insightful: 0, support: 0 },
      createdAt: at(i * 1000),
      updatedAt: at(i * 1000),
      version: 1,
    }));
    const comments: Comment[] = Array.from({ length: 6000 }, (_, i) => ({
      id: newId(BASE + i),
      postId: pick(posts, i % 600).id,
      authorId: pick(users, i).id,
      body: `Comment ${i}`,
      createdAt: at(i * 1000),
    }));
    activity = Array.from({ length: 6000 }, (_, i) => ({
      id: newId(BASE + i),
      actorId: pick(users, i % 600).id,
      verb: 'viewed',
      object: { type: 'content', id: pick(contents, i % 600).id },
      occurredAt: at((i % 90) * DAY + i),
      metadata: {},
    }));

    await putAll((r: User[]) => sets.users.putMany(r), users);
    await putAll((r: Content[]) => sets.contents.putMany(r), contents);
    await putAll((r: Community[]) => sets.communities.putMany(r), communities);
    await putAll((r: Event[]) => sets.events.putMany(r), events);
    await putAll((r: Registration[]) => sets.registrations.putMany(r), registrations);
    await putAll((r: Post[]) => sets.posts.putMany(r), posts);
    await putAll((r: Comment[]) => sets.comments.putMany(r), comments);
    await putAll((r: ActivityEvent[]) => sets.activity.putMany(r), activity);
    await test.dataSource.query('ANALYZE');
    const counted: { name: string; rows: number }[] = await test.dataSource.query(
      `SELECT relname AS name, reltuples::bigint::int AS rows FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace`,
    );
    for (const { name, rows } of counted) rowCounts.set(name, rows);
  }, 120_000);

  afterAll(() => test.close());

  /** Runs one port call, EXPLAINs every SELECT it issued, and fails on a Seq Scan of a table of 500+ rows. */
  async function expectIndexed(call: () => Promise<unknown>, expectedIndex: RegExp): Promise<void> {
    logger.statements = [];
    await call();
    const selects = logger.statements.filter((statement) => /^\s*(SELECT|WITH)/i.test(statement.sql));
    expect(selects.length).toBeGreaterThan(0);
    for (const statement of selects) {
      const [row] = await test.dataSource.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }[]>(
        `EXPLAIN (FORMAT JSON) ${statement.sql}`,
        statement.params,
      );
      const plan = row?.['QUERY PLAN'][0]?.Plan as PlanNode;
      const nodes = nodesOf(plan);
      const seqScans = nodes.filter(
        (node) => node['Node Type'] === 'Seq Scan' && (rowCounts.get(node['Relation Name'] ?? '') ?? 0) >= 500,
      );
      expect(
        seqScans.map((node) => node['Relation Name']),
        JSON.stringify(plan, null, 1),
      ).toEqual([]);
      const indexes = nodes.map((node) => node['Index Name']).filter((name) => name !== undefined);
      expect(
        indexes.some((name) => expectedIndex.test(name)),
        `${statement.sql}\nuses ${indexes.join(', ')}`,
      ).toBe(true);
    }
  }

  it('loaded enough rows for the planner to care', () => {
    expect(rowCounts.get('users')).toBeGreaterThanOrEqual(5000);
    expect(rowCounts.get('posts')).toBeGreaterThanOrEqual(6000);
  });

  it('user by email', async () => {
    await expectIndexed(() => store.users.findByEmail('user-4321@example.com'), /^users_email_key$/);
  });

  it('content by tag', async () => {
    await expectIndexed(() => store.contents.listPublished({ tag: 'tag-42' }), /^contents_(tags|published)_idx$/);
  });

  it('content by author, and the next page', async () => {
    const author = pick(users, 17).id;
    const first = await store.contents.listPublished({ authorId: author }, { limit: 3 });
    await expectIndexed(
      () => store.contents.listPublished({ authorId: author }, { limit: 3, cursor: first.nextCursor }),
      /^contents_author_published_idx$/,
    );
  });

  it('feed page, and the next page', async () => {
    const community = pick(communities, 7).id;
    const first = await store.posts.feed(community, { limit: 5 });
    await expectIndexed(() => store.posts.feed(community), /^posts_feed_idx$/);
    await expectIndexed(() => store.posts.feed(community, { limit: 5, cursor: first.nextCursor }), /^posts_feed_idx$/);
  });

  it('comments page', async () => {
    await expectIndexed(() => store.posts.listComments(pick(posts, 5).id), /^comments_post_created_idx$/);
  });

  it('registrations of an event', async () => {
    await expectIndexed(
      () => store.events.listRegistrations(pick(events, 3).id),
      /^registrations_(event_position_idx|pkey)$/,
    );
  });

  it('activity by actor', async () => {
    await expectIndexed(() => store.activity.listByActor(pick(users, 11).id), /^activity_events_.*actor/);
    await expectIndexed(
      () => store.activity.listByActor(pick(users, 11).id, { from: at(10 * DAY), to: at(40 * DAY) }),
      /^activity_events_.*actor/,
    );
  });

  it('activity by object', async () => {
    await expectIndexed(
      () => store.activity.listByObject({ type: 'content', id: pick(contents, 9).id }),
      /^activity_events_.*object/,
    );
  });

  it('upcoming events, overall and of one community', async () => {
    await expectIndexed(() => store.events.listUpcoming({ from: at(30 * DAY) }), /^events_upcoming_idx$/);
    await expectIndexed(
      () => store.events.listUpcoming({ from: at(30 * DAY), communityId: pick(communities, 4).id }),
      /^events_community_upcoming_idx$/,
    );
  });

  it('daily counts read the counters, not the log', async () => {
    logger.statements = [];
    await store.activity.dailyCounts({ from: '2025-01-01', to: '2025-03-31' });
    expect(logger.statements.map((statement) => statement.sql).join('\n')).not.toMatch(/activity_events/);
  });
});
