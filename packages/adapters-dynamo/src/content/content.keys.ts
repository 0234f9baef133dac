import type { Key } from '../shared/dynamo-ops.js';
import { joinKey, timeKey } from '../shared/key-format.js';
import { TABLE } from '../table-definition.js';

/** Which published list a query reads: each filter combination has its own partition, so no filter expression. */
export interface PublishedFilter {
  readonly tag?: string | undefined;
  readonly authorId?: string | undefined;
}

function publishedPartition(filter: PublishedFilter): string {
  const parts = ['PUBLISHED'];
  if (filter.tag !== undefined) parts.push('TAG', filter.tag);
  if (filter.authorId !== undefined) parts.push('AUTHOR', filter.authorId);
  return parts.join('#');
}

/**
 * Every key of the content context. A published content item is listed four ways: all (gsi1 `PUBLISHED`), by
 * author (gsi2 `PUBLISHED#AUTHOR#a`), and through one tag item per tag, kept in the content's own partition, by tag
 * (gsi1 `PUBLISHED#TAG#t`) and by tag and author (gsi2 `PUBLISHED#TAG#t#AUTHOR#a`). Drafts and archived items have
 * no index keys and no tag items.
 */
export const contentKeys = {
  content: (id: string): Key => ({ pk: `CONTENT#${id}`, sk: 'CONTENT' }),
  /** A published item's copy under one tag. */
  tag: (contentId: string, tag: string): Key => ({ pk: `CONTENT#${contentId}`, sk: `TAG#${tag}` }),
  /** The enrolled/completed counters of one content item. */
  enrollmentCounts: (contentId: string): Key => ({ pk: `CONTENT#${contentId}`, sk: 'ENROLLMENTS' }),
  /** Index attributes that list a published item (tag undefined: the content item itself). */
  published: (item: { id: string; authorId: string; publishedAt: number }, tag?: string): Key => {
    const sortKey = joinKey(timeKey(item.publishedAt), item.id);
    return {
      [TABLE.gsi1.partitionKey]: publishedPartition({ tag }),
      [TABLE.gsi1.sortKey]: sortKey,
      [TABLE.gsi2.partitionKey]: publishedPartition({ tag, authorId: item.authorId }),
      [TABLE.gsi2.sortKey]: sortKey,
    };
  },
  /** The index and partition serving a listPublished filter. */
  publishedQuery: (filter: PublishedFilter): { index: 'gsi1' | 'gsi2'; partition: string } => ({
    index: filter.authorId === undefined ? 'gsi1' : 'gsi2',
    partition: publishedPartition(filter),
  }),
  /** Where a listPublished query resumes after the item published at `publishedAt` with `id`. */
  publishedStart: (filter: PublishedFilter, publishedAt: number, id: string): Key => {
    const index = filter.authorId === undefined ? TABLE.gsi1 : TABLE.gsi2;
    const base = filter.tag === undefined ? contentKeys.content(id) : contentKeys.tag(id, filter.tag);
    return {
      ...base,
      [index.partitionKey]: publishedPartition(filter),
      [index.sortKey]: joinKey(timeKey(publishedAt), id),
    };
  },
  contentScanPartition: 'TYPE#contents',
  contentScan: (id: string): Key => ({ scanPk: contentKeys.contentScanPartition, scanSk: id }),
  contentScanStart: (id: string): Key => ({ ...contentKeys.content(id), ...contentKeys.contentScan(id) }),

  /** An enrollment lives in its user's partition. */
  enrollment: (userId: string, contentId: string): Key => ({ pk: `USER#${userId}`, sk: `ENROLLMENT#${contentId}` }),
  /** gsi1: a user's enrollments by enrolledAt (read newest first). */
  enrollmentByUser: (userId: string, enrolledAt: number, contentId: string): Key => ({
    [TABLE.gsi1.partitionKey]: `ENROLLMENTS#${userId}`,
    [TABLE.gsi1.sortKey]: joinKey(timeKey(enrolledAt), contentId),
  }),
  enrollmentsOfUser: (userId: string): string => `ENROLLMENTS#${userId}`,
  enrollmentByUserStart: (userId: string, enrolledAt: number, contentId: string): Key => ({
    ...contentKeys.enrollment(userId, contentId),
    ...contentKeys.enrollmentByUser(userId, enrolledAt, contentId),
  }),
  enrollmentScanPartition: 'TYPE#enrollments',
  enrollmentScan: (userId: string, contentId: string): Key => ({
    scanPk: contentKeys.enrollmentScanPartition,
    scanSk: joinKey(userId, contentId),
  }),
  enrollmentScanStart: (userId: string, contentId: string): Key => ({
    ...contentKeys.enrollment(userId, contentId),
    ...contentKeys.enrollmentScan(userId, contentId),
  }),
} as const;
