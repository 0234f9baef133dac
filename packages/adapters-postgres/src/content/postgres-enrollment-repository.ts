import {
  CohortError,
  type Clock,
  type Enrollment,
  type EnrollmentCounts,
  type EnrollmentRepository,
  type Page,
  type PageRequest,
} from '@cohort/core';
import {
  advanceEnrollment,
  listScope,
  newEnrollment,
  pagedLists,
  parseId,
  parsePageRequest,
  parseProgress,
  toPage,
} from '@cohort/core/adapter';
import { SqlParams, readCursor } from '../shared/keyset.js';
import type { PostgresClient } from '../shared/postgres-client.js';
import { jsonRows, sqlTime, toCount } from '../shared/sql-values.js';
import { tableSql, type TableSql } from '../shared/table-sql.js';
import { enrollmentColumns, enrollmentFromEntity, enrollmentToEntity, type EnrollmentRow } from './content.mapper.js';

export class PostgresEnrollmentRepository implements EnrollmentRepository {
  private readonly sql: TableSql<EnrollmentRow>;

  constructor(
    private readonly db: PostgresClient,
    private readonly clock: Clock,
  ) {
    this.sql = tableSql(db.tables.enrollments, enrollmentColumns, ['userId', 'contentId']);
  }

  async enroll(userId: string, contentId: string): Promise<Enrollment> {
    const enrollment = newEnrollment(userId, contentId, this.clock.now());
    // ON CONFLICT DO NOTHING makes enroll idempotent under races; the foreign key reports a missing content item.
    const { rows } = await this.db.query<EnrollmentRow>(
      `${this.sql.insertRows()} ON CONFLICT (user_id, content_id) DO NOTHING RETURNING ${this.sql.select}`,
      [jsonRows(enrollmentColumns, [enrollmentToEntity(enrollment)])],
    );
    if (rows[0]) return enrollmentFromEntity(rows[0]);
    const existing = await this.get(enrollment.userId, enrollment.contentId);
    if (!existing) throw CohortError.notFound('Enrollment', `${enrollment.userId}/${enrollment.contentId}`);
    return existing;
  }

  async recordProgress(userId: string, contentId: string, progress: number): Promise<Enrollment> {
    const user = parseId(userId, 'userId');
    const content = parseId(contentId, 'contentId');
    const value = parseProgress(progress);
    for (;;) {
      const current = await this.get(user, content);
      if (!current) throw CohortError.notFound('Enrollment', `${user}/${content}`);
      const next = advanceEnrollment(current, value, this.clock.now());
      if (next === current) return current;
      // Guarded by the progress we read: a concurrent report that got further first makes this one a no-op re-read.
      const { rows } = await this.db.query<EnrollmentRow>(
        `UPDATE ${this.sql.table}
            SET progress = $4, status = $5, completed_at = $6, updated_at = $7
          WHERE user_id = $1 AND content_id = $2 AND progress = $3
        RETURNING ${this.sql.select}`,
        [
          user,
          content,
          current.progress,
          next.progress,
          next.status,
          sqlTime(next.completedAt),
          sqlTime(next.updatedAt),
        ],
      );
      if (rows[0]) return enrollmentFromEntity(rows[0]);
    }
  }

  async get(userId: string, contentId: string): Promise<Enrollment | null> {
    const user = parseId(userId, 'userId');
    const content = parseId(contentId, 'contentId');
    const { rows } = await this.db.query<EnrollmentRow>(
      `SELECT ${this.sql.select} FROM ${this.sql.table} WHERE user_id = $1 AND content_id = $2`,
      [user, content],
    );
    return rows[0] ? enrollmentFromEntity(rows[0]) : null;
  }

  async listByUser(userId: string, page?: PageRequest): Promise<Page<Enrollment>> {
    const user = parseId(userId, 'userId');
    const { cursor, limit } = parsePageRequest(page);
    const scope = listScope('enrollments.listByUser', user);
    const params = new SqlParams();
    const where = [`user_id = ${params.add(user)}`];
    if (cursor) {
      const [enrolledAt, contentId] = readCursor(scope, cursor, pagedLists['enrollments.listByUser']);
      where.push(
        `(enrolled_at, content_id) < (${params.add(sqlTime(enrolledAt))}::timestamptz, ${params.add(contentId)}::uuid)`,
      );
    }
    const { rows } = await this.db.query<EnrollmentRow>(
      `SELECT ${this.sql.select} FROM ${this.sql.table}
        WHERE ${where.join(' AND ')}
        ORDER BY enrolled_at DESC, content_id DESC
        LIMIT ${params.add(limit + 1)}`,
      params.values,
    );
    return toPage(rows.map(enrollmentFromEntity), limit, scope, (enrollment) => [
      enrollment.enrolledAt.getTime(),
      enrollment.contentId,
    ]);
  }

  async countsFor(contentId: string): Promise<EnrollmentCounts> {
    const content = parseId(contentId, 'contentId');
    const { rows } = await this.db.query<{ enrolled: string; completed: string }>(
      `SELECT count(*) AS enrolled, count(*) FILTER (WHERE status = 'completed') AS completed
         FROM ${this.sql.table} WHERE content_id = $1`,
      [content],
    );
    return { enrolled: toCount(rows[0]?.enrolled), completed: toCount(rows[0]?.completed) };
  }
}
