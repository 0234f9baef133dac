import {
  CohortError,
  emailSchema,
  type Clock,
  type CreateUserInput,
  type Page,
  type PageRequest,
  type User,
  type UserPatch,
  type UserRepository,
} from '@cohort/core';
import {
  applyUserPatch,
  atExpectedVersion,
  listScope,
  newUser,
  pagedLists,
  parseExpectedVersion,
  parseId,
  parseInput,
  parsePageRequest,
  parseUserPatch,
  toPage,
} from '@cohort/core/adapter';
import { SqlParams, readCursor } from '../shared/keyset.js';
import type { PostgresClient } from '../shared/postgres-client.js';
import { jsonRows, sqlTime } from '../shared/sql-values.js';
import { tableSql, type TableSql } from '../shared/table-sql.js';
import type { UserEntity } from './user.entity.js';
import { userColumns, userFromEntity, userToEntity } from './user.mapper.js';

export class PostgresUserRepository implements UserRepository {
  private readonly sql: TableSql<UserEntity>;

  constructor(
    private readonly db: PostgresClient,
    private readonly clock: Clock,
  ) {
    this.sql = tableSql(db.tables.users, userColumns, ['id']);
  }

  async create(input: CreateUserInput): Promise<User> {
    const user = newUser(input, this.clock.now());
    const { rows } = await this.db.query<UserEntity>(`${this.sql.insertRows()} RETURNING ${this.sql.select}`, [
      jsonRows(userColumns, [userToEntity(user)]),
    ]);
    return userFromEntity(rows[0] as UserEntity);
  }

  async getById(id: string): Promise<User | null> {
    const userId = parseId(id);
    const { rows } = await this.db.query<UserEntity>(`SELECT ${this.sql.select} FROM ${this.sql.table} WHERE id = $1`, [
      userId,
    ]);
    return rows[0] ? userFromEntity(rows[0]) : null;
  }

  async findByEmail(email: string): Promise<User | null> {
    const normalized = parseInput(emailSchema, email, 'email');
    const { rows } = await this.db.query<UserEntity>(
      `SELECT ${this.sql.select} FROM ${this.sql.table} WHERE email = $1`,
      [normalized],
    );
    return rows[0] ? userFromEntity(rows[0]) : null;
  }

  async update(id: string, patch: UserPatch, expectedVersion: number): Promise<User> {
    const userId = parseId(id);
    const parsed = parseUserPatch(patch);
    const version = parseExpectedVersion(expectedVersion);
    const current = atExpectedVersion(await this.getById(userId), 'User', userId, version);
    const next = applyUserPatch(current, parsed, this.clock.now());
    // The version guard makes the read-modify-write safe: a concurrent writer bumps the version first.
    const { rows } = await this.db.query<UserEntity>(
      `UPDATE ${this.sql.table}
          SET email = $3, display_name = $4, role = $5, status = $6, updated_at = $7, version = version + 1
        WHERE id = $1 AND version = $2
      RETURNING ${this.sql.select}`,
      [userId, version, next.email, next.displayName, next.role, next.status, sqlTime(next.updatedAt)],
    );
    if (rows[0]) return userFromEntity(rows[0]);
    throw (await this.exists(userId))
      ? CohortError.concurrency('User', userId, version)
      : CohortError.notFound('User', userId);
  }

  async list(page?: PageRequest): Promise<Page<User>> {
    const { cursor, limit } = parsePageRequest(page);
    const scope = listScope('users.list');
    const params = new SqlParams();
    const where = cursor
      ? `WHERE id > ${params.add(readCursor(scope, cursor, pagedLists['users.list'])[0])}::uuid`
      : '';
    const { rows } = await this.db.query<UserEntity>(
      `SELECT ${this.sql.select} FROM ${this.sql.table} ${where} ORDER BY id LIMIT ${params.add(limit + 1)}`,
      params.values,
    );
    return toPage(rows.map(userFromEntity), limit, scope, (user) => [user.id]);
  }

  private async exists(id: string): Promise<boolean> {
    const { rows } = await this.db.query(`SELECT 1 FROM ${this.sql.table} WHERE id = $1`, [id]);
    return rows.length > 0;
  }
}
