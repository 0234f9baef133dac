import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationTables } from './migration-tables.js';

/**
 * The activity log: `activity_events` range-partitioned by month on occurred_at (monthly partitions are created at
 * run time, ahead of the rows that need them; DEFAULT catches the rest), `activity_ids` for idempotency by id
 * across partitions, and `activity_daily_counts`, the counters behind dailyCounts.
 */
export class CreateActivityLog1732406400004 implements MigrationInterface {
  readonly name = 'CreateActivityLog1732406400004';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${t.activityEvents} (
        id uuid NOT NULL,
        occurred_at timestamptz NOT NULL,
        actor_id uuid NOT NULL,
        verb text NOT NULL,
        object_type text NOT NULL,
        object_id text NOT NULL,
        metadata jsonb NOT NULL,
        CONSTRAINT activity_events_pkey PRIMARY KEY (id, occurred_at)
      ) PARTITION BY RANGE (occurred_at)`);
    await queryRunner.query(
      `CREATE INDEX activity_events_actor_idx ON ${t.activityEvents} (actor_id, occurred_at, id)`,
    );
    await queryRunner.query(
      `CREATE INDEX activity_events_object_idx ON ${t.activityEvents} (object_type, object_id, occurred_at, id)`,
    );
    await queryRunner.query(
      `CREATE TABLE ${t.qualify('activity_events_default')} PARTITION OF ${t.activityEvents} DEFAULT`,
    );
    await queryRunner.query(`
      CREATE TABLE ${t.activityIds} (
        id uuid NOT NULL,
        occurred_at timestamptz NOT NULL,
        CONSTRAINT activity_ids_pkey PRIMARY KEY (id)
      )`);
    await queryRunner.query(`CREATE INDEX activity_ids_occurred_idx ON ${t.activityIds} (occurred_at)`);
    await queryRunner.query(`
      CREATE TABLE ${t.activityDailyCounts} (
        day date NOT NULL,
        verb text NOT NULL,
        count bigint NOT NULL,
        CONSTRAINT activity_daily_counts_pkey PRIMARY KEY (day, verb)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner);
    await queryRunner.query(`DROP TABLE ${t.activityDailyCounts}`);
    await queryRunner.query(`DROP TABLE ${t.activityIds}`);
    await queryRunner.query(`DROP TABLE ${t.activityEvents}`);
  }
}
