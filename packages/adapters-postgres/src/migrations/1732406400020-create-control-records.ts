import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationTables } from './migration-tables.js';

/**
 * `control_records`: versioned JSON records by key (the ControlRecords port), where a fleet keeps what it must agree
 * on, such as the phase of a move and instance leases. Keys compare by code point ("C"), as every store lists them.
 * Not behind any record set, so no change feed publishes it.
 */
export class CreateControlRecords1732406400020 implements MigrationInterface {
  readonly name = 'CreateControlRecords1732406400020';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${t.qualify('control_records')} (
        key text COLLATE "C" NOT NULL,
        value jsonb NOT NULL,
        version integer NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT control_records_pkey PRIMARY KEY (key),
        CONSTRAINT control_records_version_check CHECK (version >= 1)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner);
    await queryRunner.query(`DROP TABLE ${t.qualify('control_records')}`);
  }
}
