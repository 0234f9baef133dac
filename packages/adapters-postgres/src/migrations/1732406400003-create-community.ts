import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationTables } from './migration-tables.js';

/** communities, memberships, posts, comments and reactions; a post takes its comments and reactions with it. */
export class CreateCommunity1732406400003 implements MigrationInterface {
  readonly name = 'CreateCommunity1732406400003';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${t.communities} (
        id uuid NOT NULL,
        slug text COLLATE "C" NOT NULL,
        name text NOT NULL,
        description text NOT NULL,
        visibility text NOT NULL,
        owner_id uuid NOT NULL,
        member_count integer NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version integer NOT NULL,
        CONSTRAINT communities_pkey PRIMARY KEY (id),
        CONSTRAINT communities_slug_key UNIQUE (slug) DEFERRABLE INITIALLY IMMEDIATE,
        CONSTRAINT communities_member_count_check CHECK (member_count >= 0)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${t.memberships} (
        community_id uuid NOT NULL,
        user_id uuid NOT NULL,
        role text NOT NULL,
        joined_at timestamptz NOT NULL,
        CONSTRAINT memberships_pkey PRIMARY KEY (community_id, user_id),
        CONSTRAINT memberships_community_id_fkey FOREIGN KEY (community_id) REFERENCES ${t.communities} (id) ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE INDEX memberships_community_joined_idx ON ${t.memberships} (community_id, joined_at, user_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX memberships_user_joined_idx ON ${t.memberships} (user_id, joined_at, community_id)`,
    );
    await queryRunner.query(`
      CREATE TABLE ${t.posts} (
        id uuid NOT NULL,
        community_id uuid NOT NULL,
        author_id uuid NOT NULL,
        body text NOT NULL,
        comment_count integer NOT NULL,
        like_count integer NOT NULL,
        celebrate_count integer NOT NULL,
        insightful_count integer NOT NULL,
        support_count integer NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version integer NOT NULL,
        CONSTRAINT posts_pkey PRIMARY KEY (id),
        CONSTRAINT posts_community_id_fkey FOREIGN KEY (community_id) REFERENCES ${t.communities} (id) ON DELETE CASCADE,
        CONSTRAINT posts_counts_check CHECK (comment_count >= 0 AND like_count >= 0 AND celebrate_count >= 0
          AND insightful_count >= 0 AND support_count >= 0)
      )`);
    await queryRunner.query(`CREATE INDEX posts_feed_idx ON ${t.posts} (community_id, created_at, id)`);
    await queryRunner.query(`
      CREATE TABLE ${t.comments} (
        id uuid NOT NULL,
        post_id uuid NOT NULL,
        author_id uuid NOT NULL,
        body text NOT NULL,
        created_at timestamptz NOT NULL,
        CONSTRAINT comments_pkey PRIMARY KEY (id),
        CONSTRAINT comments_post_id_fkey FOREIGN KEY (post_id) REFERENCES ${t.posts} (id) ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX comments_post_created_idx ON ${t.comments} (post_id, created_at, id)`);
    await queryRunner.query(`
      CREATE TABLE ${t.reactions} (
        post_id uuid NOT NULL,
        user_id uuid NOT NULL,
        kind text NOT NULL,
        created_at timestamptz NOT NULL,
        CONSTRAINT reactions_pkey PRIMARY KEY (post_id, user_id, kind),
        CONSTRAINT reactions_post_id_fkey FOREIGN KEY (post_id) REFERENCES ${t.posts} (id) ON DELETE CASCADE
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner);
    for (const table of [t.reactions, t.comments, t.posts, t.memberships, t.communities]) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
