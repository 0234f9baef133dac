import {
  CohortError,
  type Clock,
  type Enrollment,
  type EnrollmentCounts,
  type EnrollmentRepository,
  type Page,
  type PageRequest,
} from '@cohort/core';
import { advanceEnrollment, newEnrollment, parseId, parsePageRequest, parseProgress } from '@cohort/core/adapter';
import { newestFirst, pageOf } from './memory-pages.js';
import { copyOf, enrollmentKey, roundTrip, type MemoryTables } from './memory-tables.js';

export class MemoryEnrollmentRepository implements EnrollmentRepository {
  constructor(
    private readonly tables: MemoryTables,
    private readonly clock: Clock,
  ) {}

  async enroll(userId: string, contentId: string): Promise<Enrollment> {
    await roundTrip();
    const user = parseId(userId, 'userId');
    const content = parseId(contentId, 'contentId');
    if (!this.tables.contents.has(content)) throw CohortError.notFound('Content', content);
    const key = enrollmentKey(user, content);
    const existing = this.tables.enrollments.get(key);
    if (existing) return copyOf(existing);
    const enrollment = newEnrollment(user, content, this.clock.now());
    this.tables.enrollments.set(key, enrollment);
    return copyOf(enrollment);
  }

  async recordProgress(userId: string, contentId: string, progress: number): Promise<Enrollment> {
    await roundTrip();
    const key = enrollmentKey(parseId(userId, 'userId'), parseId(contentId, 'contentId'));
    const value = parseProgress(progress);
    const current = this.tables.enrollments.get(key);
    if (!current) throw CohortError.notFound('Enrollment', key);
    const next = advanceEnrollment(current, value, this.clock.now());
    if (next !== current) this.tables.enrollments.set(key, next);
    return copyOf(next);
  }

  async get(userId: string, contentId: string): Promise<Enrollment | null> {
    await roundTrip();
    const enrollment = this.tables.enrollments.get(
      enrollmentKey(parseId(userId, 'userId'), parseId(contentId, 'contentId')),
    );
    return enrollment ? copyOf(enrollment) : null;
  }

  async listByUser(userId: string, page?: PageRequest): Promise<Page<Enrollment>> {
    await roundTrip();
    const user = parseId(userId, 'userId');
    const request = parsePageRequest(page);
    const rows = [...this.tables.enrollments.values()].filter((enrollment) => enrollment.userId === user);
    return pageOf(
      rows,
      newestFirst(
        (enrollment) => enrollment.enrolledAt,
        (enrollment) => enrollment.contentId,
      ),
      'enrollments.listByUser',
      [user],
      request,
    );
  }

  async countsFor(contentId: string): Promise<EnrollmentCounts> {
    await roundTrip();
    const content = parseId(contentId, 'contentId');
    let enrolled = 0;
    let completed = 0;
    for (const enrollment of this.tables.enrollments.values()) {
      if (enrollment.contentId !== content) continue;
      enrolled += 1;
      if (enrollment.status === 'completed') completed += 1;
    }
    return { enrolled, completed };
  }
}
