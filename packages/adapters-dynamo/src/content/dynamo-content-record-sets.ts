import type { TransactWriteItem } from '@aws-sdk/lib-dynamodb';
import { recordKeys, type Content, type Enrollment, type Page, type RecordSet, type ScanRequest } from '@cohort/core';
import { lastOfEachKey, parseRecordKeys, parseRecords, scanScope } from '@cohort/core/adapter';
import { RETRY, forEachLimit, optimistic } from '../shared/concurrency.js';
import type { DynamoContext } from '../shared/dynamo-context.js';
import { batchGet, batchWrite, getItem, queryAll, transactWrite } from '../shared/dynamo-ops.js';
import { cursorString } from '../shared/item-format.js';
import { countScanPartition, recordSetScanPage } from '../shared/scan-index.js';
import { toContent, toEnrollment, toEnrollmentItem } from './content.items.js';
import { contentKeys } from './content.keys.js';
import { contentWrites } from './dynamo-content-repository.js';
import { enrollmentCountsUpdate } from './dynamo-enrollment-repository.js';

/** Contents in id order; putMany rewrites each item with its tag copies in one transaction. */
export class DynamoContentRecordSet implements RecordSet<Content> {
  constructor(private readonly context: DynamoContext) {}

  async scan(page?: ScanRequest): Promise<Page<Content>> {
    return recordSetScanPage(
      this.context,
      {
        scope: scanScope('dynamo', 'contents'),
        parts: ['id'],
        partition: contentKeys.contentScanPartition,
        startKey: (cursor) => contentKeys.contentScanStart(cursorString(cursor, 0)),
        toDomain: toContent,
        keyOf: (content) => [content.id],
        what: 'contents.scan',
      },
      page,
    );
  }

  async putMany(records: readonly Content[]): Promise<void> {
    const contents = lastOfEachKey(parseRecords('contents', records), recordKeys.contents);
    await forEachLimit(contents, 8, async (content) => {
      await optimistic('contents.putMany', async () => {
        const item = await getItem(this.context, contentKeys.content(content.id), 'contents.putMany');
        const previous = item ? toContent(item) : null;
        const writes = contentWrites(
          this.context.tableName,
          previous,
          content,
          previous
            ? {
                ConditionExpression: '#version = :version AND updatedAt = :updatedAt',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: {
                  ':version': previous.version,
                  ':updatedAt': previous.updatedAt.getTime(),
                },
              }
            : { ConditionExpression: 'attribute_not_exists(pk)' },
        );
        const result = await transactWrite(this.context, writes, 'contents.putMany');
        return result.ok ? true : RETRY;
      });
    });
  }

  /**
   * Deletes each content item with its per-tag copies (its own partition); the enrollment counters, which count
   * enrollments rather than describe the content, stay with the enrollments.
   */
  async deleteMany(keys: readonly string[]): Promise<void> {
    const ids = parseRecordKeys('contents', keys).map((key) => key.key);
    await forEachLimit(ids, 8, async (id) => {
      const { pk } = contentKeys.content(id);
      const items = await queryAll(
        this.context,
        {
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ProjectionExpression: 'pk, sk',
        },
        'contents.deleteMany',
      );
      const doomed = items.filter(
        (item) => item.sk === contentKeys.content(id).sk || String(item.sk).startsWith('TAG#'),
      );
      await batchWrite(
        this.context,
        doomed.map((item) => ({ delete: { pk: String(item.pk), sk: String(item.sk) } })),
        'contents.deleteMany',
      );
    });
  }

  async count(): Promise<number> {
    return countScanPartition(this.context, contentKeys.contentScanPartition, 'contents.count');
  }
}

/**
 * Enrollments in (userId, contentId) order. The per-content counters behind countsFor are this store's hidden state,
 * so putMany moves them by the difference each record makes, in the same transaction as the records.
 */
export class DynamoEnrollmentRecordSet implements RecordSet<Enrollment> {
  constructor(private readonly context: DynamoContext) {}

  async scan(page?: ScanRequest): Promise<Page<Enrollment>> {
    return recordSetScanPage(
      this.context,
      {
        scope: scanScope('dynamo', 'enrollments'),
        parts: ['id', 'id'],
        partition: contentKeys.enrollmentScanPartition,
        startKey: (cursor) => contentKeys.enrollmentScanStart(cursorString(cursor, 0), cursorString(cursor, 1)),
        toDomain: toEnrollment,
        keyOf: (enrollment) => [enrollment.userId, enrollment.contentId],
        what: 'enrollments.scan',
      },
      page,
    );
  }

  async putMany(records: readonly Enrollment[]): Promise<void> {
    const enrollments = lastOfEachKey(parseRecords('enrollments', records), recordKeys.enrollments);
    const chunks: Enrollment[][] = [];
    for (let offset = 0; offset < enrollments.length; offset += 40) chunks.push(enrollments.slice(offset, offset + 40));
    await forEachLimit(chunks, 4, (chunk) => this.putChunk(chunk));
  }

  /** Deletes enrollments and takes them out of their contents' hidden counters in the same transaction. */
  async deleteMany(keys: readonly string[]): Promise<void> {
    const parsed = parseRecordKeys('enrollments', keys);
    const chunks: (typeof parsed)[] = [];
    for (let offset = 0; offset < parsed.length; offset += 40) chunks.push(parsed.slice(offset, offset + 40));
    await forEachLimit(chunks, 4, (chunk) => this.deleteChunk(chunk.map((key) => key.parts)));
  }

  async count(): Promise<number> {
    return countScanPartition(this.context, contentKeys.enrollmentScanPartition, 'enrollments.count');
  }

  private async deleteChunk(chunk: readonly (readonly string[])[]): Promise<void> {
    const { tableName } = this.context;
    await optimistic('enrollments.deleteMany', async () => {
      const stored = (
        await batchGet(
          this.context,
          chunk.map(([userId = '', contentId = '']) => contentKeys.enrollment(userId, contentId)),
          'enrollments.deleteMany',
        )
      ).map(toEnrollment);
      if (stored.length === 0) return true;
      const deltas = new Map<string, { enrolled: number; completed: number }>();
      const writes: TransactWriteItem[] = stored.map((before) => {
        const delta = deltas.get(before.contentId) ?? { enrolled: 0, completed: 0 };
        delta.enrolled -= 1;
        delta.completed -= before.status === 'completed' ? 1 : 0;
        deltas.set(before.contentId, delta);
        return {
          Delete: {
            TableName: tableName,
            Key: contentKeys.enrollment(before.userId, before.contentId),
            ConditionExpression: '#status = :status AND updatedAt = :updatedAt AND progress = :progress',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':status': before.status,
              ':updatedAt': before.updatedAt.getTime(),
              ':progress': before.progress,
            },
          },
        };
      });
      for (const [contentId, delta] of deltas) {
        writes.push(enrollmentCountsUpdate(tableName, contentId, delta.enrolled, delta.completed));
      }
      const result = await transactWrite(this.context, writes, 'enrollments.deleteMany', { retryConflicts: false });
      return result.ok ? true : RETRY;
    });
  }

  private async putChunk(chunk: readonly Enrollment[]): Promise<void> {
    const { tableName } = this.context;
    await optimistic('enrollments.putMany', async () => {
      const stored = await batchGet(
        this.context,
        chunk.map((enrollment) => contentKeys.enrollment(enrollment.userId, enrollment.contentId)),
        'enrollments.putMany',
      );
      const previous = new Map(stored.map((item) => [recordKeys.enrollments(toEnrollment(item)), toEnrollment(item)]));
      const deltas = new Map<string, { enrolled: number; completed: number }>();
      const writes: TransactWriteItem[] = chunk.map((enrollment) => {
        const before = previous.get(recordKeys.enrollments(enrollment));
        const delta = deltas.get(enrollment.contentId) ?? { enrolled: 0, completed: 0 };
        delta.enrolled += before ? 0 : 1;
        delta.completed += (enrollment.status === 'completed' ? 1 : 0) - (before?.status === 'completed' ? 1 : 0);
        deltas.set(enrollment.contentId, delta);
        return {
          Put: {
            TableName: tableName,
            Item: toEnrollmentItem(enrollment),
            ...(before
              ? {
                  ConditionExpression: '#status = :status AND updatedAt = :updatedAt AND progress = :progress',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: {
                    ':status': before.status,
                    ':updatedAt': before.updatedAt.getTime(),
                    ':progress': before.progress,
                  },
                }
              : { ConditionExpression: 'attribute_not_exists(pk)' }),
          },
        };
      });
      for (const [contentId, delta] of deltas) {
        if (delta.enrolled !== 0 || delta.completed !== 0) {
          writes.push(enrollmentCountsUpdate(tableName, contentId, delta.enrolled, delta.completed));
        }
      }
      const result = await transactWrite(this.context, writes, 'enrollments.putMany');
      return result.ok ? true : RETRY;
    });
  }
}
