import {
  CohortError,
  listPublishedFilterSchema,
  type Clock,
  type Content,
  type ContentPatch,
  type ContentRepository,
  type CreateContentInput,
  type ListPublishedFilter,
  type Page,
  type PageRequest,
} from '@cohort/core';
import {
  applyContentPatch,
  atExpectedVersion,
  listScope,
  newContent,
  pagedLists,
  parseContentPatch,
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
import type { ContentEntity } from './content.entity.js';
import { contentColumns, contentFromEntity, contentToEntity } from './content.mapper.js';

export class PostgresContentRepository implements ContentRepository {
  private readonly sql: TableSql<ContentEntity>;

  constructor(
    private readonly db: PostgresClient,
    private readonly clock: Clock,
  ) {
    this.sql = tableSql(db.tables.contents, contentColumns, ['id']);
  }

  async create(input: CreateContentInput): Promise<Content> {
    const content = newContent(input, this.clock.now());
    const { rows } = await this.db.query<ContentEntity>(`${this.sql.insertRows()} RETURNING ${this.sql.select}`, [
      jsonRows(contentColumns, [contentToEntity(content)]),
    ]);
    return contentFromEntity(rows[0] as ContentEntity);
  }

  async getById(id: string): Promise<Content | null> {
    const contentId = parseId(id);
    const { rows } = await this.db.query<ContentEntity>(
      `SELECT ${this.sql.select} FROM ${this.sql.table} WHERE id = $1`,
      [contentId],
    );
    return rows[0] ? contentFromEntity(rows[0]) : null;
  }

  async update(id: string, patch: ContentPatch, expectedVersion: number): Promise<Content> {
    const contentId = parseId(id);
    const parsed = parseContentPatch(patch);
    const version = parseExpectedVersion(expectedVersion);
    const current = atExpectedVersion(await this.getById(contentId), 'Content', contentId, version);
    const next = applyContentPatch(current, parsed, this.clock.now());
    const { rows } = await this.db.query<ContentEntity>(
      `UPDATE ${this.sql.table}
          SET title = $3, summary = $4, tags = $5::text[], status = $6, published_at = $7, updated_at = $8,
              version = version + 1
        WHERE id = $1 AND version = $2
      RETURNING ${this.sql.select}`,
      [
        contentId,
        version,
        next.title,
        next.summary,
        next.tags,
        next.status,
        sqlTime(next.publishedAt),
        sqlTime(next.updatedAt),
      ],
    );
    if (rows[0]) return contentFromEntity(rows[0]);
    const { rows: found } = await this.db.query(`SELECT 1 FROM ${this.sql.table} WHERE id = $1`, [contentId]);
    throw found.length > 0
      ? CohortError.concurrency('Content', contentId, version)
      : CohortError.notFound('Content', contentId);
  }

  async listPublished(filter?: ListPublishedFilter, page?: PageRequest): Promise<Page<Content>> {
    const { tag, authorId } = parseInput(listPublishedFilterSchema, filter ?? {}, 'listPublished filter');
    const { cursor, limit } = parsePageRequest(page);
    const scope = listScope('contents.listPublished', tag, authorId);
    const params = new SqlParams();
    const where = [`status = 'published'`];
    if (tag !== undefined) where.push(`tags @> ARRAY[${params.add(tag)}]::text[]`);
    if (authorId !== undefined) where.push(`author_id = ${params.add(authorId)}`);
    if (cursor) {
      const [publishedAt, id] = readCursor(scope, cursor, pagedLists['contents.listPublished']);
      where.push(`(published_at, id) < (${params.add(sqlTime(publishedAt))}::timestamptz, ${params.add(id)}::uuid)`);
    }
    const { rows } = await this.db.query<ContentEntity>(
      `SELECT ${this.sql.select} FROM ${this.sql.table}
        WHERE ${where.join(' AND ')}
        ORDER BY published_at DESC, id DESC
        LIMIT ${params.add(limit + 1)}`,
      params.values,
    );
    return toPage(rows.map(contentFromEntity), limit, scope, (content) => [
      (content.publishedAt as Date).getTime(),
      content.id,
    ]);
  }
}
