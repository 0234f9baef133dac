import {
  MAX_TAGS,
  contentKinds,
  contentStatuses,
  enrollmentStatuses,
  textLimits,
  type Content,
  type Enrollment,
} from '@cohort/core';
import type { Columns } from '../shared/sql-values.js';
import { StoredRow } from '../shared/stored-row.js';
import type { ContentEntity } from './content.entity.js';
import type { EnrollmentEntity } from './enrollment.entity.js';

export const contentColumns: Columns<ContentEntity> = {
  id: { column: 'id', type: 'uuid' },
  kind: { column: 'kind', type: 'text' },
  title: { column: 'title', type: 'text' },
  summary: { column: 'summary', type: 'text' },
  authorId: { column: 'author_id', type: 'uuid' },
  tags: { column: 'tags', type: 'text[]' },
  status: { column: 'status', type: 'text' },
  publishedAt: { column: 'published_at', type: 'timestamptz' },
  createdAt: { column: 'created_at', type: 'timestamptz' },
  updatedAt: { column: 'updated_at', type: 'timestamptz' },
  version: { column: 'version', type: 'integer' },
};

export function contentToEntity(content: Content): ContentEntity {
  return { ...content };
}

const content: StoredRow = new StoredRow('content');
const kinds = new Set(contentKinds);
const contentStatusSet = new Set(contentStatuses);

export function contentFromEntity(row: ContentEntity): Content {
  return {
    id: content.id(row.id, 'id'),
    kind: content.oneOf(row.kind, 'kind', kinds),
    title: content.text(row.title, 'title', ...textLimits.content.title),
    summary: content.text(row.summary, 'summary', ...textLimits.content.summary),
    authorId: content.id(row.authorId, 'authorId'),
    tags: tagsOf(row.tags),
    status: content.oneOf(row.status, 'status', contentStatusSet),
    publishedAt: content.nullableInstant(row.publishedAt, 'publishedAt'),
    createdAt: content.instant(row.createdAt, 'createdAt'),
    updatedAt: content.instant(row.updatedAt, 'updatedAt'),
    version: content.int(row.version, 'version', 1),
  };
}

function tagsOf(value: unknown): string[] {
  if (!Array.isArray(value) || value.length > MAX_TAGS) content.invalid('tags', `must be at most ${MAX_TAGS} tags`);
  const tags = value.map((tag) => content.slug(tag, 'tags', 40));
  if (tags.length > 1 && new Set(tags).size !== tags.length) content.invalid('tags', 'must be unique');
  return tags;
}

export type EnrollmentRow = Omit<EnrollmentEntity, 'content'>;

export const enrollmentColumns: Columns<EnrollmentRow> = {
  userId: { column: 'user_id', type: 'uuid' },
  contentId: { column: 'content_id', type: 'uuid' },
  progress: { column: 'progress', type: 'integer' },
  status: { column: 'status', type: 'text' },
  enrolledAt: { column: 'enrolled_at', type: 'timestamptz' },
  completedAt: { column: 'completed_at', type: 'timestamptz' },
  updatedAt: { column: 'updated_at', type: 'timestamptz' },
};

export function enrollmentToEntity(enrollment: Enrollment): EnrollmentRow {
  return { ...enrollment };
}

const enrollment: StoredRow = new StoredRow('enrollment');
const enrollmentStatusSet = new Set(enrollmentStatuses);

export function enrollmentFromEntity(row: EnrollmentRow): Enrollment {
  return {
    userId: enrollment.id(row.userId, 'userId'),
    contentId: enrollment.id(row.contentId, 'contentId'),
    progress: enrollment.int(row.progress, 'progress', 0, 100),
    status: enrollment.oneOf(row.status, 'status', enrollmentStatusSet),
    enrolledAt: enrollment.instant(row.enrolledAt, 'enrolledAt'),
    completedAt: enrollment.nullableInstant(row.completedAt, 'completedAt'),
    updatedAt: enrollment.instant(row.updatedAt, 'updatedAt'),
  };
}
