import type { TransactWriteItem } from '@aws-sdk/lib-dynamodb';
import {
  CohortError,
  type Enrollment,
  type EnrollmentCounts,
  type EnrollmentRepository,
  type Page,
  type PageRequest,
} from '@cohort/core';
import { advanceEnrollment, listScope, newEnrollment, pagedLists, parseId, parseProgress } from '@cohort/core/adapter';
import { RETRY, optimistic } from '../shared/concurrency.js';
import type { DynamoContext } from '../shared/dynamo-context.js';
import { failedAt, getItem, transactWrite } from '../shared/dynamo-ops.js';
import { ITEM_VERSION, cursorNumber, cursorString } from '../shared/item-format.js';
import { indexPartitionQuery, keysetPage } from '../shared/paging.js';
import { TABLE } from '../table-definition.js';
import { ENROLLMENT_COUNTS_TYPE, toEnrollment, toEnrollmentItem } from './content.items.js';
import { contentKeys } from './content.keys.js';

/** The update that moves a content item's enrollment counters by `enrolled` and `completed`. */
export function enrollmentCountsUpdate(
  tableName: string,
  contentId: string,
  enrolled: number,
  completed: number,
): TransactWriteItem {
  return {
    Update: {
      TableName: tableName,
      Key: contentKeys.enrollmentCounts(contentId),
      UpdateExpression: 'SET #type = :type, #v = :v ADD enrolled :enrolled, completed :completed',
      ExpressionAttributeNames: { '#type': '_type', '#v': '_v' },
      ExpressionAttributeValues: {
        ':type': ENROLLMENT_COUNTS_TYPE,
        ':v': ITEM_VERSION,
        ':enrolled': enrolled,
        ':completed': completed,
      },
    },
  };
}

/** Enrollments in the user's partition; per-content counters updated in the same transaction as the enrollment. */
export class DynamoEnrollmentRepository implements EnrollmentRepository {
  constructor(private readonly context: DynamoContext) {}

  async enroll(userId: string, contentId: string): Promise<Enrollment> {
    const enrollment = newEnrollment(userId, contentId, this.context.clock.now());
    const { tableName } = this.context;
    return optimistic('enrollments.enroll', async () => {
      const result = await transactWrite(
        this.context,
        [
          {
            ConditionCheck: {
              TableName: tableName,
              Key: contentKeys.content(enrollment.contentId),
              ConditionExpression: 'attribute_exists(pk)',
            },
          },
          {
            Put: {
              TableName: tableName,
              Item: toEnrollmentItem(enrollment),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          enrollmentCountsUpdate(tableName, enrollment.contentId, 1, 0),
        ],
        'enrollments.enroll',
      );
      if (result.ok) return enrollment;
      if (failedAt(result, 0)) throw CohortError.notFound('Content', enrollment.contentId);
      const existing = await this.get(enrollment.userId, enrollment.contentId);
      return existing ?? RETRY;
    });
  }

  async recordProgress(userId: string, contentId: string, progress: number): Promise<Enrollment> {
    const user = parseId(userId, 'userId');
    const content = parseId(contentId, 'contentId');
    const value = parseProgress(progress);
    const { tableName } = this.context;
    return optimistic('enrollments.recordProgress', async () => {
      const current = await this.get(user, content);
      if (!current) throw CohortError.notFound('Enrollment', `${user}/${content}`);
      const next = advanceEnrollment(current, value, this.context.clock.now());
      if (next === current) return current;
      const writes: TransactWriteItem[] = [
        {
          Put: {
            TableName: tableName,
            Item: toEnrollmentItem(next),
            ConditionExpression: 'progress = :progress AND #status = :status',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':progress': current.progress, ':status': current.status },
          },
        },
      ];
      if (next.status === 'completed' && current.status !== 'completed') {
        writes.push(enrollmentCountsUpdate(tableName, content, 0, 1));
      }
      const result = await transactWrite(this.context, writes, 'enrollments.recordProgress');
      return result.ok ? next : RETRY;
    });
  }

  async get(userId: string, contentId: string): Promise<Enrollment | null> {
    const key = contentKeys.enrollment(parseId(userId, 'userId'), parseId(contentId, 'contentId'));
    const item = await getItem(this.context, key, 'enrollments.get');
    return item ? toEnrollment(item) : null;
  }

  async listByUser(userId: string, page?: PageRequest): Promise<Page<Enrollment>> {
    const user = parseId(userId, 'userId');
    return keysetPage(this.context, {
      scope: listScope('enrollments.listByUser', user),
      parts: pagedLists['enrollments.listByUser'],
      page,
      query: indexPartitionQuery(TABLE.gsi1, contentKeys.enrollmentsOfUser(user), 'newestFirst'),
      startKey: (cursor) => contentKeys.enrollmentByUserStart(user, cursorNumber(cursor, 0), cursorString(cursor, 1)),
      toDomain: toEnrollment,
      keyOf: (enrollment) => [enrollment.enrolledAt.getTime(), enrollment.contentId],
      what: 'enrollments.listByUser',
    });
  }

  async countsFor(contentId: string): Promise<EnrollmentCounts> {
    const content = parseId(contentId, 'contentId');
    const item = await getItem(this.context, contentKeys.enrollmentCounts(content), 'enrollments.countsFor');
    return { enrolled: Number(item?.enrolled ?? 0), completed: Number(item?.completed ?? 0) };
  }
}
