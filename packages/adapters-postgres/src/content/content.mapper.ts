import { contentSchema, enrollmentSchema, type Content, type Enrollment } from '@cohort/core';
import { readStored, type Columns } from '../shared/sql-values.js';
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

export function contentFromEntity(row: ContentEntity): Content {
  return readStored(contentSchema, { ...row }, 'content');
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

export function enrollmentFromEntity(row: EnrollmentRow): Enrollment {
  return readStored(enrollmentSchema, { ...row }, 'enrollment');
}
