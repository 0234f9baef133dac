import {
  CohortError,
  membershipSchema,
  type Clock,
  type Membership,
  type MembershipRepository,
  type MembershipRole,
  type Page,
  type PageRequest,
} from '@cohort/core';
import { listScope, pagedLists, parseId, parseInput, parsePageRequest, toPage } from '@cohort/core/adapter';
import { SqlParams, readCursor } from '../shared/keyset.js';
import type { PostgresClient } from '../shared/postgres-client.js';
import { sqlTime, toCount } from '../shared/sql-values.js';
import { tableSql, type TableSql } from '../shared/table-sql.js';
import { membershipColumns, membershipFromEntity, type MembershipRow } from './community.mapper.js';

/** member_count moves in the same statement as the membership row it counts (data-modifying CTEs). */
export class PostgresMembershipRepository implements MembershipRepository {
  private readonly sql: TableSql<MembershipRow>;
  private readonly communities: string;

  constructor(
    private readonly db: PostgresClient,
    private readonly clock: Clock,
  ) {
    this.sql = tableSql(db.tables.memberships, membershipColumns, ['communityId', 'userId']);
    this.communities = db.tables.communities;
  }

  async join(communityId: string, userId: string, role: MembershipRole = 'member'): Promise<Membership> {
    const community = parseId(communityId, 'communityId');
    const user = parseId(userId, 'userId');
    const parsedRole = parseInput(membershipSchema.shape.role, role, 'role');
    for (;;) {
      // The foreign key turns a missing community into NOT_FOUND; ON CONFLICT keeps an existing membership as it is.
      const { rows } = await this.db.query<MembershipRow>(
        `WITH joined AS (
           INSERT INTO ${this.sql.table} (community_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (community_id, user_id) DO NOTHING
           RETURNING ${this.sql.select}),
         counted AS (
           UPDATE ${this.communities} SET member_count = member_count + 1
            WHERE id = $1 AND EXISTS (SELECT 1 FROM joined))
         SELECT * FROM joined`,
        [community, user, parsedRole, sqlTime(this.clock.now())],
      );
      if (rows[0]) return membershipFromEntity(rows[0]);
      const existing = await this.get(community, user);
      if (existing) return existing;
      // It left between our insert and our read: try again.
    }
  }

  async leave(communityId: string, userId: string): Promise<boolean> {
    const community = parseId(communityId, 'communityId');
    const user = parseId(userId, 'userId');
    const { rows } = await this.db.query<{ removed: string }>(
      `WITH removed AS (
         DELETE FROM ${this.sql.table} WHERE community_id = $1 AND user_id = $2 RETURNING 1),
       counted AS (
         UPDATE ${this.communities} SET member_count = member_count - 1
          WHERE id = $1 AND EXISTS (SELECT 1 FROM removed))
       SELECT count(*) AS removed FROM removed`,
      [community, user],
    );
    return toCount(rows[0]?.removed) > 0;
  }

  async get(communityId: string, userId: string): Promise<Membership | null> {
    const community = parseId(communityId, 'communityId');
    const user = parseId(userId, 'userId');
    const { rows } = await this.db.query<MembershipRow>(
      `SELECT ${this.sql.select} FROM ${this.sql.table} WHERE community_id = $1 AND user_id = $2`,
      [community, user],
    );
    return rows[0] ? membershipFromEntity(rows[0]) : null;
  }

  async setRole(communityId: string, userId: string, role: MembershipRole): Promise<Membership> {
    const community = parseId(communityId, 'communityId');
    const user = parseId(userId, 'userId');
    const parsedRole = parseInput(membershipSchema.shape.role, role, 'role');
    const { rows } = await this.db.query<MembershipRow>(
      `UPDATE ${this.sql.table} SET role = $3 WHERE community_id = $1 AND user_id = $2 RETURNING ${this.sql.select}`,
      [community, user, parsedRole],
    );
    if (!rows[0]) throw CohortError.notFound('Membership', `${community}/${user}`);
    return membershipFromEntity(rows[0]);
  }

  async listMembers(communityId: string, page?: PageRequest): Promise<Page<Membership>> {
    const community = parseId(communityId, 'communityId');
    return this.listBy('community_id', 'user_id', community, listScope('memberships.listMembers', community), page);
  }

  async listByUser(userId: string, page?: PageRequest): Promise<Page<Membership>> {
    const user = parseId(userId, 'userId');
    return this.listBy('user_id', 'community_id', user, listScope('memberships.listByUser', user), page);
  }

  /** Earliest joinedAt first, ties by the other half of the key; each direction has its own index. */
  private async listBy(
    column: 'community_id' | 'user_id',
    tieBreaker: 'community_id' | 'user_id',
    value: string,
    scope: string,
    page: PageRequest | undefined,
  ): Promise<Page<Membership>> {
    const { cursor, limit } = parsePageRequest(page);
    const params = new SqlParams();
    const where = [`${column} = ${params.add(value)}`];
    if (cursor) {
      const [joinedAt, id] = readCursor(scope, cursor, pagedLists['memberships.listMembers']);
      where.push(
        `(joined_at, ${tieBreaker}) > (${params.add(sqlTime(joinedAt))}::timestamptz, ${params.add(id)}::uuid)`,
      );
    }
    const { rows } = await this.db.query<MembershipRow>(
      `SELECT ${this.sql.select} FROM ${this.sql.table}
        WHERE ${where.join(' AND ')}
        ORDER BY joined_at, ${tieBreaker}
        LIMIT ${params.add(limit + 1)}`,
      params.values,
    );
    return toPage(rows.map(membershipFromEntity), limit, scope, (membership) => [
      membership.joinedAt.getTime(),
      column === 'community_id' ? membership.userId : membership.communityId,
    ]);
  }
}
