import type { TransactWriteItem } from '@aws-sdk/lib-dynamodb';
import {
  CohortError,
  listPublishedFilterSchema,
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
} from '@cohort/core/adapter';
import type { DynamoContext } from '../shared/dynamo-context.js';
import { failedAt, getItem, putItem, transactWrite, type WriteCondition } from '../shared/dynamo-ops.js';
import { cursorNumber, cursorString } from '../shared/item-format.js';
import { keysetPage } from '../shared/paging.js';
import { TABLE } from '../table-definition.js';
import { listedTags, toContent, toContentItem, toContentTagItem } from './content.items.js';
import { contentKeys } from './content.keys.js';

/**
 * The writes that store `next` over `previous` (null for a new record): the content item (under `condition`) and
 * its tag copies, deleting copies of tags it is no longer listed under.
 */
export function contentWrites(
  tableName: string,
  previous: Content | null,
  next: Content,
  condition: WriteCondition,
): TransactWriteItem[] {
  const writes: TransactWriteItem[] = [{ Put: { TableName: tableName, Item: toContentItem(next), ...condition } }];
  const nextTags = listedTags(next);
  for (const tag of previous ? listedTags(previous) : []) {
    if (!nextTags.includes(tag)) writes.push({ Delete: { TableName: tableName, Key: contentKeys.tag(next.id, tag) } });
  }
  for (const tag of nextTags) writes.push({ Put: { TableName: tableName, Item: toContentTagItem(next, tag) } });
  return writes;
}

/** Content items; published ones are also listed through index keys and per-tag copies kept in the same transaction. */
export class DynamoContentRepository implements ContentRepository {
  constructor(private readonly context: DynamoContext) {}

  async create(input: CreateContentInput): Promise<Content> {
    const content = newContent(input, this.context.clock.now());
    const stored = await putItem(
      this.context,
      { Item: toContentItem(content), ConditionExpression: 'attribute_not_exists(pk)' },
      'contents.create',
    );
    if (!stored) throw CohortError.conflict(`Content ${content.id} already exists`);
    return content;
  }

  async getById(id: string): Promise<Content | null> {
    const contentId = parseId(id);
    const item = await getItem(this.context, contentKeys.content(contentId), 'contents.getById');
    return item ? toContent(item) : null;
  }

  async update(id: string, patch: ContentPatch, expectedVersion: number): Promise<Content> {
    const contentId = parseId(id);
    const parsed = parseContentPatch(patch);
    const expected = parseExpectedVersion(expectedVersion);
    const item = await getItem(this.context, contentKeys.content(contentId), 'contents.update');
    const current = atExpectedVersion(item ? toContent(item) : null, 'Content', contentId, expected);
    const next = applyContentPatch(current, parsed, this.context.clock.now());
    const writes = contentWrites(this.context.tableName, current, next, {
      ConditionExpression: '#version = :expected',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':expected': expected },
    });
    const result = await transactWrite(this.context, writes, 'contents.update');
    if (result.ok) return next;
    if (failedAt(result, 0)) {
      const latest = await getItem(this.context, contentKeys.content(contentId), 'contents.update');
      if (!latest) throw CohortError.notFound('Content', contentId);
    }
    throw CohortError.concurrency('Content', contentId, expected);
  }

  async listPublished(filter?: ListPublishedFilter, page?: PageRequest): Promise<Page<Content>> {
    const parsed = parseInput(listPublishedFilterSchema, filter ?? {}, 'listPublished filter');
    const { index, partition } = contentKeys.publishedQuery(parsed);
    const keys = TABLE[index];
    return keysetPage(this.context, {
      scope: listScope('contents.listPublished', parsed.tag, parsed.authorId),
      parts: pagedLists['contents.listPublished'],
      page,
      query: {
        IndexName: keys.name,
        KeyConditionExpression: '#p = :p',
        ExpressionAttributeNames: { '#p': keys.partitionKey },
        ExpressionAttributeValues: { ':p': partition },
        ScanIndexForward: false,
      },
      startKey: (cursor) => contentKeys.publishedStart(parsed, cursorNumber(cursor, 0), cursorString(cursor, 1)),
      toDomain: toContent,
      keyOf: (content) => [content.publishedAt?.getTime() ?? 0, content.id],
      what: 'contents.listPublished',
    });
  }
}
