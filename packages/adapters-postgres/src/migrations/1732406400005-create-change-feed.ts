import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationTables } from './migration-tables.js';

/**
 * The change feed's own state: `change_feed` holds the store's feed tag (random, 8 characters: it names the
 * publication `cohort_<tag>` and every replication slot `cohort_<tag>_<subscription>`, so stores sharing a server
 * never collide); `change_feed_subscriptions` each subscription's name, creation time, last acknowledged position as
 * its consumer gave it (the slot itself can only stand at a transaction's end) and the WAL location that position
 * resumes from (a slot also moves over WAL holding none of the store's changes, so it may stand past it).
 *
 * The publication covers every table behind a record set and none of the adapter's internal ones (activity_ids,
 * this migration's tables, the migrations table); the partitioned activity log publishes through its root; TRUNCATE
 * is not published. Tables whose text can be TOASTed log their whole old row on update (REPLICA IDENTITY FULL):
 * pgoutput leaves an unchanged TOASTed value out of the new row, and the feed must emit whole records.
 */
export class CreateChangeFeed1732406400005 implements MigrationInterface {
  readonly name = 'CreateChangeFeed1732406400005';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner);
    const feed = t.qualify('change_feed');
    await queryRunner.query(`
      CREATE TABLE ${feed} (
        one boolean NOT NULL DEFAULT true,
        tag text NOT NULL,
        CONSTRAINT change_feed_pkey PRIMARY KEY (one),
        CONSTRAINT change_feed_one_check CHECK (one),
        CONSTRAINT change_feed_tag_check CHECK (tag ~ '^[a-z0-9]{8}$')
      )`);
    await queryRunner.query(
      `INSERT INTO ${feed} (tag) VALUES (substr(md5(random()::text || clock_timestamp()::text), 1, 8))`,
    );
    await queryRunner.query(`
      CREATE TABLE ${t.qualify('change_feed_subscriptions')} (
        name text NOT NULL,
        created_at timestamptz NOT NULL,
        position text NOT NULL,
        acked_lsn pg_lsn,
        CONSTRAINT change_feed_subscriptions_pkey PRIMARY KEY (name)
      )`);
    const published = [
      t.users,
      t.contents,
      t.enrollments,
      t.events,
      t.registrations,
      t.communities,
      t.memberships,
      t.posts,
      t.comments,
      t.reactions,
      t.activityEvents,
      t.activityDailyCounts,
    ];
    const [row] = (await queryRunner.query(`SELECT tag FROM ${feed}`)) as { tag: string }[];
    await queryRunner.query(
      `CREATE PUBLICATION "cohort_${row?.tag ?? ''}" FOR TABLE ${published.join(', ')} ` +
        `WITH (publish = 'insert, update, delete', publish_via_partition_root = true)`,
    );
    for (const table of [t.contents, t.events, t.communities, t.posts, t.comments]) {
      await queryRunner.query(`ALTER TABLE ${table} REPLICA IDENTITY FULL`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner);
    const [row] = (await queryRunner.query(`SELECT tag FROM ${t.qualify('change_feed')}`)) as { tag: string }[];
    for (const table of [t.contents, t.events, t.communities, t.posts, t.comments]) {
      await queryRunner.query(`ALTER TABLE ${table} REPLICA IDENTITY DEFAULT`);
    }
    await queryRunner.query(`DROP PUBLICATION IF EXISTS "cohort_${row?.tag ?? ''}"`);
    await queryRunner.query(`DROP TABLE ${t.qualify('change_feed_subscriptions')}`);
    await queryRunner.query(`DROP TABLE ${t.qualify('change_feed')}`);
  }
}
