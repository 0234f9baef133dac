import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationTables } from './migration-tables.js';

/**
 * users: emails arrive lower-cased, so one unique constraint makes them unique in any letter case. Deferrable (checked
 * at the end of each statement) so that one upsert statement may swap emails between users.
 */
export class CreateUsers1732406400000 implements MigrationInterface {
  readonly name = 'CreateUsers1732406400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${t.users} (
        id uuid NOT NULL,
        email text NOT NULL,
        display_name text NOT NULL,
        role text NOT NULL,
        status text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version integer NOT NULL,
        CONSTRAINT users_pkey PRIMARY KEY (id),
        CONSTRAINT users_email_key UNIQUE (email) DEFERRABLE INITIALLY IMMEDIATE
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${migrationTables(queryRunner).users}`);
  }
}
