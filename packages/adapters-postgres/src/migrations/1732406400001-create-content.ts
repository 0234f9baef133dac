import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationTables } from './migration-tables.js';

/** contents and enrollments, with the indexes of listPublished (newest, by author, by tag) and of the enrollment lists. */
export class CreateContent1732406400001 implements MigrationInterface {
  readonly name = 'CreateContent1732406400001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${t.contents} (
        id uuid NOT NULL,
        kind text NOT NULL,
        title text NOT NULL,
        summary text NOT NULL,
        author_id uuid NOT NULL,
        tags text[] NOT NULL,
        status text NOT NULL,
        published_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version integer NOT NULL,
        CONSTRAINT contents_pkey PRIMARY KEY (id)
      )`);
    await queryRunner.query(
      `CREATE INDEX contents_published_idx ON ${t.contents} (published_at, id) WHERE status = 'published'`,
    );
    await queryRunner.query(
      `CREATE INDEX contents_author_published_idx ON ${t.contents} (author_id, published_at, id) WHERE status = 'published'`,
    );
    await queryRunner.query(`CREATE INDEX contents_tags_idx ON ${t.contents} USING gin (tags)`);
    await queryRunner.query(`
      CREATE TABLE ${t.enrollments} (
        user_id uuid NOT NULL,
        content_id uuid NOT NULL,
        progress integer NOT NULL,
        status text NOT NULL,
        enrolled_at timestamptz NOT NULL,
        completed_at timestamptz,
        updated_at timestamptz NOT NULL,
        CONSTRAINT enrollments_pkey PRIMARY KEY (user_id, content_id),
        CONSTRAINT enrollments_content_id_fkey FOREIGN KEY (content_id) REFERENCES ${t.contents} (id) ON DELETE CASCADE,
        CONSTRAINT enrollments_progress_check CHECK (progress >= 0 AND progress <= 100)
      )`);
    await queryRunner.query(
      `CREATE INDEX enrollments_user_enrolled_idx ON ${t.enrollments} (user_id, enrolled_at, content_id)`,
    );
    await queryRunner.query(`CREATE INDEX enrollments_content_status_idx ON ${t.enrollments} (content_id, status)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner);
    await queryRunner.query(`DROP TABLE ${t.enrollments}`);
    await queryRunner.query(`DROP TABLE ${t.contents}`);
  }
}
