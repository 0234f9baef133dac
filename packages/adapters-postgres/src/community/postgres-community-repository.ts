import {
  CohortError,
  communitySchema,
  type Clock,
  type Community,
  type CommunityPatch,
  type CommunityRepository,
  type CreateCommunityInput,
  type Page,
  type PageRequest,
} from '@cohort/core';
import {
  applyCommunityPatch,
  atExpectedVersion,
  listScope,
  newCommunity,
  pagedLists,
  parseCommunityPatch,
  parseExpectedVersion,
  parseId,
  parseInput,
  parsePageRequest,
  toPage,
} from '@cohort/core/adapter';
import { SqlParams, readCursor } from '../shared/keyset.js';
import type { PostgresClient } from '../shared/postgres-client.js';
import { jsonRows, sqlTime } from '../shared/sql-values.js';
import { tableSql, type TableSql } from '../shared/table-sql.js';
import type { CommunityEntity } from './community.entity.js';
import {
  communityColumns,
  communityFromEntity,
  communityToEntity,
  membershipColumns,
  membershipToEntity,
  type MembershipRow,
} from './community.mapper.js';

export class PostgresCommunityRepository implements CommunityRepository {
  private readonly sql: TableSql<CommunityEntity>;
  private readonly memberships: TableSql<MembershipRow>;

  constructor(
    private readonly db: PostgresClient,
    private readonly clock: Clock,
  ) {
    this.sql = tableSql(db.tables.communities, communityColumns, ['id']);
    this.memberships = tableSql(db.tables.memberships, membershipColumns, ['communityId', 'userId']);
  }

  async create(input: CreateCommunityInput): Promise<Community> {
    const { community, owner } = newCommunity(input, this.clock.now());
    // One statement writes the community and its owner's membership: both or neither.
    const { rows } = await this.db.query<CommunityEntity>(
      `WITH community AS (${this.sql.insertRows()} RETURNING ${this.sql.select}),
            owner AS (${this.memberships.insertRows('$2')})
       SELECT * FROM community`,
      [
        jsonRows(communityColumns, [communityToEntity(community)]),
        jsonRows(membershipColumns, [membershipToEntity(owner)]),
      ],
    );
    return communityFromEntity(rows[0] as CommunityEntity);
  }

  async getById(id: string): Promise<Community | null> {
    const communityId = parseId(id);
    const { rows } = await this.db.query<CommunityEntity>(
      `SELECT ${this.sql.select} FROM ${this.sql.table} WHERE id = $1`,
      [communityId],
    );
    return rows[0] ? communityFromEntity(rows[0]) : null;
  }

  async getBySlug(slug: string): Promise<Community | null> {
    const normalized = parseInput(communitySchema.shape.slug, slug, 'slug');
    const { rows } = await this.db.query<CommunityEntity>(
      `SELECT ${this.sql.select} FROM ${this.sql.table} WHERE slug = $1`,
      [normalized],
    );
    return rows[0] ? communityFromEntity(rows[0]) : null;
  }

  async update(id: string, patch: CommunityPatch, expectedVersion: number): Promise<Community> {
    const communityId = parseId(id);
    const parsed = parseCommunityPatch(patch);
    const version = parseExpectedVersion(expectedVersion);
    const current = atExpectedVersion(await this.getById(communityId), 'Community', communityId, version);
    const next = applyCommunityPatch(current, parsed, this.clock.now());
    // member_count is not written here: joins and leaves move it without touching the version.
    const { rows } = await this.db.query<CommunityEntity>(
      `UPDATE ${this.sql.table}
          SET name = $3, description = $4, visibility = $5, updated_at = $6, version = version + 1
        WHERE id = $1 AND version = $2
      RETURNING ${this.sql.select}`,
      [communityId, version, next.name, next.description, next.visibility, sqlTime(next.updatedAt)],
    );
    if (rows[0]) return communityFromEntity(rows[0]);
    const { rows: found } = await this.db.query(`SELECT 1 FROM ${this.sql.table} WHERE id = $1`, [communityId]);
    throw found.length > 0
      ? CohortError.concurrency('Community', communityId, version)
      : CohortError.notFound('Community', communityId);
  }

  async list(page?: PageRequest): Promise<Page<Community>> {
    const { cursor, limit } = parsePageRequest(page);
    const scope = listScope('communities.list');
    const params = new SqlParams();
    const where: string[] = [];
    if (cursor) where.push(`slug > ${params.add(readCursor(scope, cursor, pagedLists['communities.list'])[0])}`);
    const { rows } = await this.db.query<CommunityEntity>(
      `SELECT ${this.sql.select} FROM ${this.sql.table}
        ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY slug
        LIMIT ${params.add(limit + 1)}`,
      params.values,
    );
    // The id rides along so every store's cursor is the same (slugs are unique: the slug alone orders the list).
    return toPage(rows.map(communityFromEntity), limit, scope, (community) => [community.slug, community.id]);
  }
}
