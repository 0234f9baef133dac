import { CohortError, type Change, type ChangeFeed, type ChangeReader, type User } from '@cohort/core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { feedConfigurationProblem, feedSettingsSql } from '../src/feed/replication-slots.js';
import { createPostgresDataSource, createPostgresStore, runPostgresMigrations } from '../src/index.js';
import { createDatabase, dropDatabase, openTestStore, type TestStore } from './postgres-test-database.js';

const serverUrl = inject('postgresUrl');

function user(id = crypto.randomUUID(), name = 'Ada'): User {
  const at = new Date('2026-01-02T03:04:05.678Z');
  return {
    id,
    email: `${id}@example.com`,
    displayName: name,
    role: 'learner',
    status: 'active',
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}

/** Reads until `count` changes came (or 5 s passed). */
async function readAtLeast(reader: ChangeReader, count: number, limit = count): Promise<Change[]> {
  const changes: Change[] = [];
  const until = Date.now() + 5_000;
  while (changes.length < count && Date.now() < until) {
    changes.push(...(await reader.read({ waitMs: 500, limit: limit - changes.length })));
  }
  return changes;
}

const uniqueName = (): string => `t${crypto.randomUUID().replace(/-/g, '').slice(0, 12)}`;

describe('PostgresChangeFeed', () => {
  let opened: TestStore;
  let feed: ChangeFeed;

  beforeAll(async () => {
    opened = await openTestStore(serverUrl);
    feed = opened.store.changeFeed as ChangeFeed;
  }, 60_000);

  afterAll(async () => {
    await opened.close();
  });

  it('delivers a record exactly as scan returns it, and its delete', async () => {
    const name = uniqueName();
    await feed.createSubscription(name);
    const ada = user();
    await opened.store.recordSets.users.putMany([ada]);
    await opened.dataSource.query('DELETE FROM users WHERE id = $1', [ada.id]);
    const reader = await feed.openReader(name);
    try {
      const all = await readAtLeast(reader, 2);
      expect(all.map((change) => [change.recordSet, change.op, change.key])).toEqual([
        ['users', 'upsert', ada.id],
        ['users', 'delete', ada.id],
      ]);
      expect(all[0]?.record).toEqual(ada);
      expect(all[1]?.record).toBeNull();
      expect(all[0]?.committedAt).toBeInstanceOf(Date);
    } finally {
      await reader.close();
      await feed.dropSubscription(name);
    }
  });

  it('never emits the internal tables (activity_ids, its own tables)', async () => {
    const name = uniqueName();
    await feed.createSubscription(name);
    const actorId = crypto.randomUUID();
    await opened.store.activity.append([
      {
        actorId,
        verb: 'joined',
        object: { type: 'community', id: crypto.randomUUID() },
        occurredAt: new Date('2026-03-04T05:06:07.000Z'),
        metadata: {},
      },
    ] as never);
    const reader = await feed.openReader(name);
    try {
      const changes = await readAtLeast(reader, 2, 10);
      expect(new Set(changes.map((change) => change.recordSet))).toEqual(new Set(['activity', 'activityCounts']));
      const [event] = await opened.store.recordSets.activity.scan().then((page) => page.items);
      expect(changes.find((change) => change.recordSet === 'activity')?.record).toEqual(event);
      const [count] = await opened.store.recordSets.activityCounts.scan().then((page) => page.items);
      expect(changes.find((change) => change.recordSet === 'activityCounts')?.record).toEqual(count);
    } finally {
      await reader.close();
      await feed.dropSubscription(name);
    }
  });

  it('redelivers a change received but not acknowledged, even after keepalives', async () => {
    const name = uniqueName();
    await feed.createSubscription(name);
    const first = user();
    const second = user();
    await opened.store.recordSets.users.putMany([first]);
    await opened.store.recordSets.users.putMany([second]);
    let reader = await feed.openReader(name);
    const read = await readAtLeast(reader, 2);
    expect(read.map((change) => change.key)).toEqual([first.id, second.id]);
    await reader.acknowledge((read[0] as { position: string }).position);
    // Force a keepalive exchange: the server asks for a reply once the client is behind, and writes elsewhere move
    // the WAL on. pg-logical-replication would acknowledge the received (unacknowledged) second change here.
    await opened.dataSource.query('SELECT pg_switch_wal()');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await reader.close();
    reader = await feed.openReader(name);
    try {
      const again = await readAtLeast(reader, 1, 10);
      expect(again.map((change) => change.key)).toEqual([second.id]);
    } finally {
      await reader.close();
      await feed.dropSubscription(name);
    }
  });

  it('gives whole after-images when an update leaves a TOASTed value unchanged', async () => {
    // Random text does not compress: 5,000 characters of it are stored out of line (TOAST).
    const description = Array.from({ length: 5_000 }, () => String.fromCharCode(33 + Math.floor(Math.random() * 94)))
      .join('')
      .trim();
    const startsAt = new Date(Date.now() + 86_400_000);
    const event = await opened.store.events.create({
      title: 'Toasted',
      description,
      hostId: crypto.randomUUID(),
      startsAt,
      endsAt: new Date(startsAt.getTime() + 3_600_000),
      capacity: 5,
    });
    const [{ external } = { external: false }] = await opened.dataSource.query<{ external: boolean }[]>(
      `SELECT pg_relation_size(reltoastrelid) > 0 AS external FROM pg_class WHERE oid = 'events'::regclass`,
    );
    expect(external, 'the description is stored out of line').toBe(true);
    const name = uniqueName();
    await feed.createSubscription(name);
    await opened.store.events.register(event.id, crypto.randomUUID());
    const reader = await feed.openReader(name);
    try {
      const changes = await readAtLeast(reader, 2, 10);
      const change = changes.find((c) => c.recordSet === 'events');
      expect(change?.record).toEqual(await opened.store.events.getById(event.id));
      expect((change?.record as { description: string } | undefined)?.description).toBe(description);
    } finally {
      await reader.close();
      await feed.dropSubscription(name);
    }
  });

  it('refuses a second reader of one subscription (CONFLICT) and shows lag in bytes and time', async () => {
    const name = uniqueName();
    await feed.createSubscription(name);
    await opened.store.recordSets.users.putMany([user()]);
    const [idle] = (await feed.listSubscriptions()).filter((info) => info.name === name);
    expect(idle?.reading).toBe(false);
    expect(idle?.lag.bytes).toBeGreaterThan(0);
    expect(idle?.lag.ms).toBeGreaterThanOrEqual(0);
    const reader = await feed.openReader(name);
    try {
      await expect(feed.openReader(name)).rejects.toSatisfy((error) => CohortError.is(error, 'CONFLICT'));
      const [reading] = (await feed.listSubscriptions()).filter((info) => info.name === name);
      expect(reading?.reading).toBe(true);
    } finally {
      await reader.close();
      await feed.dropSubscription(name);
    }
  });

  it('a dropped slot is POSITION_LOST', async () => {
    const name = uniqueName();
    await feed.createSubscription(name);
    const [{ slot } = { slot: '' }] = await opened.dataSource.query<{ slot: string }[]>(
      `SELECT slot_name AS slot FROM pg_replication_slots WHERE slot_name LIKE '%\\_' || $1`,
      [name],
    );
    await opened.dataSource.query('SELECT pg_drop_replication_slot($1)', [slot]);
    await expect(feed.openReader(name)).rejects.toSatisfy((error) => CohortError.is(error, 'POSITION_LOST'));
    await feed.dropSubscription(name);
  });
});

/** Reads until `heard` holds `marker` (or 5 s passed); returns the changes read meanwhile. */
async function readUntilHeard(reader: ChangeReader, heard: readonly string[], marker: string): Promise<Change[]> {
  const changes: Change[] = [];
  const until = Date.now() + 5_000;
  while (!heard.includes(marker) && Date.now() < until) changes.push(...(await reader.read({ waitMs: 500 })));
  return changes;
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;

describe('PostgresChangeFeed markers', () => {
  let opened: TestStore;
  let feed: ChangeFeed;

  beforeAll(async () => {
    opened = await openTestStore(serverUrl);
    feed = opened.store.changeFeed as ChangeFeed;
  }, 60_000);

  afterAll(async () => {
    await opened.close();
  });

  it('comes within milliseconds though the server commits asynchronously, with the writes before it', async () => {
    const [{ setting } = { setting: '' }] = await opened.dataSource.query<{ setting: string }[]>(
      `SELECT current_setting('synchronous_commit') AS setting`,
    );
    expect(setting, 'the test server commits asynchronously (what the marker must not wait for)').toBe('off');
    const name = uniqueName();
    await feed.createSubscription(name);
    const heard: string[] = [];
    const heardAt = new Map<string, number>();
    const reader = await feed.openReader(name, {
      onMarker: (marker) => {
        heard.push(marker);
        heardAt.set(marker, performance.now());
      },
    });
    const latencies: number[] = [];
    try {
      for (let i = 0; i < 30; i += 1) {
        const written = user();
        await opened.store.recordSets.users.putMany([written]);
        const marker = `latency-${i}`;
        // The reader waits in read() when the marker is written, as a move's applier does.
        const listening = readUntilHeard(reader, heard, marker);
        await new Promise((resolve) => setTimeout(resolve, 5));
        const started = performance.now();
        await feed.writeMarker(marker);
        const changes = await listening;
        expect(heard.at(-1), `marker ${marker} heard last`).toBe(marker);
        expect(changes.map((change) => change.key)).toContain(written.id);
        latencies.push((heardAt.get(marker) as number) - started);
      }
    } finally {
      await reader.close();
      await feed.dropSubscription(name);
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(
      'PostgreSQL marker, writeMarker called → onMarker (after a one-user asynchronous commit; 30 samples): ' +
        `p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p90 ${percentile(sorted, 0.9).toFixed(1)} ms, ` +
        `max ${(sorted.at(-1) ?? Number.NaN).toFixed(1)} ms`,
    );
    expect(percentile(sorted, 0.5)).toBeLessThan(100);
  });

  it('is committed synchronously: when writeMarker returns, the WAL is flushed past every earlier commit', async () => {
    const unflushed: string[] = [];
    for (let i = 0; i < 20; i += 1) {
      await opened.store.recordSets.users.putMany([user()]);
      // The user's commit (asynchronous on the test server) lies before this; only a flush makes it decodable.
      const [{ inserted } = { inserted: '' }] = await opened.dataSource.query<{ inserted: string }[]>(
        `SELECT pg_current_wal_insert_lsn()::text AS inserted`,
      );
      await feed.writeMarker(`flush-${i}`);
      const [{ flushed, behind } = { flushed: '', behind: true }] = await opened.dataSource.query<
        { flushed: string; behind: boolean }[]
      >(`SELECT pg_current_wal_flush_lsn()::text AS flushed, pg_current_wal_flush_lsn() < $1::pg_lsn AS behind`, [
        inserted,
      ]);
      if (behind) unflushed.push(`${flushed} < ${inserted}`);
    }
    expect(unflushed).toEqual([]);
  });

  it('hears only its own: another store in another schema of the same database writes markers too', async () => {
    const database = `cohort_${crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const url = await createDatabase(serverUrl, database);
    const sources = ['store_a', 'store_b'].map((schema) => createPostgresDataSource({ url, schema, poolSize: 2 }));
    try {
      for (const source of sources) await runPostgresMigrations(source);
      const [a, b] = sources.map((dataSource) => createPostgresStore({ dataSource }));
      const [feedA, feedB] = [a, b].map((store) => store?.changeFeed as ChangeFeed);
      const heard = { a: [] as string[], b: [] as string[] };
      await feedA?.createSubscription('markers');
      await feedB?.createSubscription('markers');
      const readerA = await (feedA as ChangeFeed).openReader('markers', { onMarker: (m) => heard.a.push(m) });
      const readerB = await (feedB as ChangeFeed).openReader('markers', { onMarker: (m) => heard.b.push(m) });
      await feedB?.writeMarker('from-b-1');
      await feedA?.writeMarker('from-a');
      await feedB?.writeMarker('from-b-2');
      const changesA = await readUntilHeard(readerA, heard.a, 'from-a');
      const changesB = await readUntilHeard(readerB, heard.b, 'from-b-2');
      // A reads past both of B's markers, up to a last one of its own.
      await feedA?.writeMarker('from-a-last');
      changesA.push(...(await readUntilHeard(readerA, heard.a, 'from-a-last')));
      expect(heard.a).toEqual(['from-a', 'from-a-last']);
      expect(heard.b).toEqual(['from-b-1', 'from-b-2']);
      expect([...changesA, ...changesB]).toEqual([]);
      await readerA.close();
      await readerB.close();
    } finally {
      for (const source of sources) if (source.isInitialized) await source.destroy();
      await dropDatabase(serverUrl, database);
    }
  });

  it('a marker received but not heard when the session ends is heard by the next session (the slot waits for it)', async () => {
    const name = uniqueName();
    await feed.createSubscription(name);
    const first = await feed.openReader(name);
    await feed.writeMarker('unheard');
    // The session receives the marker without a read to hear it; keepalives after it (WAL moved on by a switch) must
    // not move the slot past it.
    await opened.dataSource.query('SELECT pg_switch_wal()');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await first.close();
    const heard: string[] = [];
    const second = await feed.openReader(name, { onMarker: (marker) => heard.push(marker) });
    try {
      await readUntilHeard(second, heard, 'unheard');
      expect(heard).toEqual(['unheard']);
    } finally {
      await second.close();
      await feed.dropSubscription(name);
    }
  });
});

describe('feedConfigurationProblem', () => {
  it('names wal_level when the server is below logical', () => {
    const problem = feedConfigurationProblem({ walLevel: 'replica', canReplicate: true });
    expect(problem?.code).toBe('UNAVAILABLE');
    expect(problem?.message).toMatch(/wal_level = logical/);
    expect(problem?.message).toMatch(/wal_level = replica/);
  });

  it('names REPLICATION for a role without it', () => {
    const problem = feedConfigurationProblem({ walLevel: 'logical', canReplicate: false });
    expect(problem?.code).toBe('FORBIDDEN');
    expect(problem?.message).toMatch(/REPLICATION/);
  });

  it('refuses a role without REPLICATION on the real server (FORBIDDEN naming it), before creating anything', async () => {
    const opened = await openTestStore(serverUrl);
    const role = `feed_${crypto.randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const url = new URL(opened.url);
    url.username = role;
    url.password = 'feed';
    const dataSource = createPostgresDataSource({ url: url.toString(), poolSize: 1 });
    try {
      await opened.dataSource.query(`CREATE ROLE ${role} LOGIN PASSWORD 'feed' NOREPLICATION`);
      await opened.dataSource.query(
        `GRANT SELECT, INSERT, UPDATE, DELETE ON change_feed, change_feed_subscriptions TO ${role}`,
      );
      await dataSource.initialize();
      const feed = createPostgresStore({ dataSource }).changeFeed as ChangeFeed;
      const refused = await feed.createSubscription('no_replication').catch((error: unknown) => error);
      expect(CohortError.is(refused, 'FORBIDDEN')).toBe(true);
      expect((refused as Error).message).toMatch(/REPLICATION/);
      expect(await feed.listSubscriptions()).toEqual([]);
    } finally {
      if (dataSource.isInitialized) await dataSource.destroy();
      await opened.close();
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP ROLE IF EXISTS ${role}`).finally(() => client.end());
    }
  });

  it('finds nothing wrong with the test server (read with the same query the feed runs)', async () => {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ walLevel: string; canReplicate: boolean }>(feedSettingsSql);
      expect(feedConfigurationProblem(rows[0] as { walLevel: string; canReplicate: boolean })).toBeNull();
    } finally {
      await client.end();
    }
  });
});
