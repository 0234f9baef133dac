import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPostgresDataSource, postgresMigrations, runPostgresMigrations } from '../src/index.js';
import { createDatabase, dropDatabase } from './postgres-test-database.js';

const serverUrl = inject('postgresUrl');

describe('migrations', () => {
  const name = `cohort_drift_${crypto.randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const dataSource = createPostgresDataSource({ url: 'postgres://unused', poolSize: 2 });
  let applied: string[] = [];
  let again: string[] = [];
  let url = '';

  beforeAll(async () => {
    url = await createDatabase(serverUrl, name);
    dataSource.setOptions({ url });
    applied = await runPostgresMigrations(dataSource);
    again = await runPostgresMigrations(dataSource);
  }, 60_000);

  afterAll(async () => {
    if (dataSource.isInitialized) await dataSource.destroy();
    await dropDatabase(serverUrl, name);
  });

  it('runs every migration, in order, on an empty database', () => {
    expect(applied).toEqual(postgresMigrations.map((migration) => new migration().name));
  });

  it('applies nothing the second time', () => {
    expect(again).toEqual([]);
  });

  it('leaves no difference between the entities and the migrated schema', async () => {
    // TypeORM's own diff: every query it would run to make the database match the entities. Any query is drift.
    const diff = await dataSource.driver.createSchemaBuilder().log();
    expect(diff.upQueries.map((query) => query.query)).toEqual([]);
  });

  it('would notice drift, on the partitioned table too (the check can fail)', async () => {
    await dataSource.query('DROP INDEX activity_events_actor_idx');
    await dataSource.query('ALTER TABLE events DROP CONSTRAINT events_waitlist_count_check');
    try {
      const diff = await dataSource.driver.createSchemaBuilder().log();
      const queries = diff.upQueries.map((query) => query.query).join('\n');
      expect(queries).toContain('activity_events_actor_idx');
      expect(queries).toContain('events_waitlist_count_check');
    } finally {
      await dataSource.query('CREATE INDEX activity_events_actor_idx ON activity_events (actor_id, occurred_at, id)');
      await dataSource.query(
        'ALTER TABLE events ADD CONSTRAINT events_waitlist_count_check CHECK (waitlist_count >= 0)',
      );
    }
  });

  it('never synchronizes', () => {
    expect(dataSource.options.synchronize).toBe(false);
    expect(dataSource.options.migrationsRun).toBe(false);
  });
});
