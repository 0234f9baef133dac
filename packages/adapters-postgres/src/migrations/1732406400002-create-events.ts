import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationTables } from './migration-tables.js';

/**
 * events and registrations. The checks back up the seat rules that the statements enforce; `next_position` hands
 * out each event's arrival positions.
 */
export class CreateEvents1732406400002 implements MigrationInterface {
  readonly name = 'CreateEvents1732406400002';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${t.events} (
        id uuid NOT NULL,
        title text NOT NULL,
        description text NOT NULL,
        host_id uuid NOT NULL,
        community_id uuid,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        capacity integer NOT NULL,
        registered_count integer NOT NULL,
        waitlist_count integer NOT NULL,
        status text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version integer NOT NULL,
        next_position integer NOT NULL DEFAULT 1,
        CONSTRAINT events_pkey PRIMARY KEY (id),
        CONSTRAINT events_capacity_check CHECK (capacity >= 1),
        CONSTRAINT events_registered_count_check CHECK (registered_count >= 0 AND registered_count <= capacity),
        CONSTRAINT events_waitlist_count_check CHECK (waitlist_count >= 0)
      )`);
    await queryRunner.query(
      `CREATE INDEX events_upcoming_idx ON ${t.events} (starts_at, id) WHERE status = 'scheduled'`,
    );
    await queryRunner.query(
      `CREATE INDEX events_community_upcoming_idx ON ${t.events} (community_id, starts_at, id) WHERE status = 'scheduled'`,
    );
    await queryRunner.query(`
      CREATE TABLE ${t.registrations} (
        event_id uuid NOT NULL,
        user_id uuid NOT NULL,
        status text NOT NULL,
        position integer NOT NULL,
        registered_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT registrations_pkey PRIMARY KEY (event_id, user_id),
        CONSTRAINT registrations_event_id_fkey FOREIGN KEY (event_id) REFERENCES ${t.events} (id) ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE INDEX registrations_event_position_idx ON ${t.registrations} (event_id, position, user_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX registrations_waitlist_idx ON ${t.registrations} (event_id, position) WHERE status = 'waitlisted'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner);
    await queryRunner.query(`DROP TABLE ${t.registrations}`);
    await queryRunner.query(`DROP TABLE ${t.events}`);
  }
}
