import { contentSchema, enrollmentSchema, type Content, type Enrollment } from '@cohort/core';
import type { Item } from '../shared/dynamo-ops.js';
import { ITEM_VERSION, millis, parseStored, stripTableAttributes, withDates } from '../shared/item-format.js';
import { contentKeys } from './content.keys.js';

export const CONTENT_TYPE = 'content';
export const CONTENT_TAG_TYPE = 'contentTag';
export const ENROLLMENT_COUNTS_TYPE = 'enrollmentCounts';
export const ENROLLMENT_TYPE = 'enrollment';

const CONTENT_DATES = ['publishedAt', 'createdAt', 'updatedAt'];

function contentAttributes(content: Content): Item {
  return {
    ...content,
    tags: [...content.tags],
    publishedAt: content.publishedAt === null ? null : millis(content.publishedAt),
    createdAt: millis(content.createdAt),
    updatedAt: millis(content.updatedAt),
  };
}

/** The tags a content item is listed under: all of them while published, none otherwise. */
export function listedTags(content: Content): string[] {
  return content.status === 'published' && content.publishedAt !== null ? [...content.tags] : [];
}

function publishedKeys(content: Content, tag?: string): Item {
  if (content.status !== 'published' || content.publishedAt === null) return {};
  return contentKeys.published(
    { id: content.id, authorId: content.authorId, publishedAt: millis(content.publishedAt) },
    tag,
  );
}

export function toContentItem(content: Content): Item {
  return {
    ...contentKeys.content(content.id),
    ...contentKeys.contentScan(content.id),
    ...publishedKeys(content),
    _type: CONTENT_TYPE,
    _v: ITEM_VERSION,
    ...contentAttributes(content),
  };
}

/** A published item's full copy under one tag, so listing by tag is a single Query. */
export function toContentTagItem(content: Content, tag: string): Item {
  return {
    ...contentKeys.tag(content.id, tag),
    ...publishedKeys(content, tag),
    _type: CONTENT_TAG_TYPE,
    _v: ITEM_VERSION,
    ...contentAttributes(content),
  };
}

/** Reads a content item or one of its tag copies. */
export function toContent(item: Item): Content {
  return parseStored(contentSchema, withDates(stripTableAttributes(item), CONTENT_DATES), 'content');
}

export function toEnrollmentItem(enrollment: Enrollment): Item {
  const enrolledAt = millis(enrollment.enrolledAt);
  return {
    ...contentKeys.enrollment(enrollment.userId, enrollment.contentId),
    ...contentKeys.enrollmentByUser(enrollment.userId, enrolledAt, enrollment.contentId),
    ...contentKeys.enrollmentScan(enrollment.userId, enrollment.contentId),
    _type: ENROLLMENT_TYPE,
    _v: ITEM_VERSION,
    ...enrollment,
    enrolledAt,
    completedAt: enrollment.completedAt === null ? null : millis(enrollment.completedAt),
    updatedAt: millis(enrollment.updatedAt),
  };
}

export function toEnrollment(item: Item): Enrollment {
  return parseStored(
    enrollmentSchema,
    withDates(stripTableAttributes(item), ['enrolledAt', 'completedAt', 'updatedAt']),
    'enrollment',
  );
}
