import type { Content, ListPublishedFilter, Page } from '@cohort/core';
import { describe, expect, it } from 'vitest';
import type { ContractContext } from '../contract-context.js';
import { expectCohortError } from '../expect-cohort-error.js';

const MINUTE = 60_000;

/** Every item of a list, page after page (the store may hold other tests' records too). */
async function everyItem<T>(fetch: (cursor: string | null) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await fetch(cursor);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return items;
}

export function contentContract(context: ContractContext): void {
  const { clock, fixtures } = context;
  const contents = () => context.store().contents;
  const enrollments = () => context.store().enrollments;

  const published = (filter: ListPublishedFilter, limit = 100): Promise<Content[]> =>
    everyItem((cursor) => contents().listPublished(filter, { cursor, limit }));
  const ids = (items: readonly { id: string }[]): string[] => items.map((item) => item.id);

  /** Publishes `content` with the clock frozen at `at`. */
  const publishAt = async (content: Content, at: Date): Promise<Content> => {
    clock.freeze(at);
    return contents().update(content.id, { status: 'published' }, content.version);
  };

  describe('ContentRepository.create', () => {
    it('stores a draft at version 1 without publishedAt, timestamps from the clock', async () => {
      const at = new Date('2026-04-01T09:00:00.250Z');
      clock.freeze(at);
      const authorId = fixtures.id();
      const content = await contents().create({ kind: 'article', title: '  Onboarding  ', authorId });
      expect(content).toEqual({
        id: expect.any(String) as string,
        kind: 'article',
        title: 'Onboarding',
        summary: '',
        authorId,
        tags: [],
        status: 'draft',
        publishedAt: null,
        createdAt: at,
        updatedAt: at,
        version: 1,
      });
      expect(await contents().getById(content.id)).toEqual(content);
    });

    it('lower-cases, trims and de-duplicates tags, keeping first-seen order', async () => {
      const tag = fixtures.tag();
      const content = await fixtures.content({ tags: [` ${tag.toUpperCase()} `, 'beta', tag, 'BETA', 'alpha'] });
      expect(content.tags).toEqual([tag, 'beta', 'alpha']);
      expect((await contents().getById(content.id))?.tags).toEqual([tag, 'beta', 'alpha']);
    });

    it('normalizes the author id to lower case', async () => {
      const authorId = fixtures.id();
      const content = await fixtures.content({ authorId: authorId.toUpperCase() });
      expect(content.authorId).toBe(authorId);
    });

    it('does not check that the author exists (users may live in another store)', async () => {
      const content = await fixtures.content({ authorId: fixtures.id() });
      expect((await contents().getById(content.id))?.status).toBe('draft');
    });
  });

  describe('ContentRepository.getById', () => {
    it('returns the stored item', async () => {
      const content = await fixtures.content({ kind: 'video', summary: 'Watch this', tags: [fixtures.tag()] });
      expect(await contents().getById(content.id)).toEqual(content);
    });

    it('returns null for an unknown id', async () => {
      expect(await contents().getById(fixtures.id())).toBeNull();
    });
  });

  describe('ContentRepository.update', () => {
    it('applies the patch, bumps the version and takes updatedAt from the clock', async () => {
      clock.freeze(new Date('2026-04-02T10:00:00.000Z'));
      const content = await fixtures.content({ title: 'Old', tags: ['old'] });
      clock.advance(5 * MINUTE);
      const updated = await contents().update(
        content.id,
        { title: 'New', summary: 'Now with a summary', tags: ['New', 'new', 'fresh'] },
        content.version,
      );
      expect(updated).toEqual({
        ...content,
        title: 'New',
        summary: 'Now with a summary',
        tags: ['new', 'fresh'],
        updatedAt: new Date('2026-04-02T10:05:00.000Z'),
        version: 2,
      });
      expect(await contents().getById(content.id)).toEqual(updated);
    });

    it('bumps the version for an empty patch', async () => {
      const content = await fixtures.content();
      const updated = await contents().update(content.id, {}, content.version);
      expect(updated.version).toBe(2);
      expect((await contents().getById(content.id))?.version).toBe(2);
    });

    it('stamps publishedAt from the clock when publishing', async () => {
      const content = await fixtures.content();
      const at = new Date('2026-04-03T12:00:00.123Z');
      const live = await publishAt(content, at);
      expect(live.status).toBe('published');
      expect(live.publishedAt).toEqual(at);
      expect(live.updatedAt).toEqual(at);
      expect((await contents().getById(content.id))?.publishedAt).toEqual(at);
    });

    it('stamps publishedAt only once: later edits, archiving and re-publishing keep it', async () => {
      const content = await fixtures.content();
      const first = new Date('2026-04-04T08:00:00.000Z');
      let current = await publishAt(content, first);
      clock.advance(MINUTE);
      current = await contents().update(content.id, { status: 'published', title: 'Edited' }, current.version);
      expect(current.publishedAt).toEqual(first);
      clock.advance(MINUTE);
      current = await contents().update(content.id, { status: 'archived' }, current.version);
      expect(current.status).toBe('archived');
      expect(current.publishedAt).toEqual(first);
      clock.advance(MINUTE);
      current = await contents().update(content.id, { status: 'published' }, current.version);
      expect(current.publishedAt).toEqual(first);
      expect(await contents().getById(content.id)).toEqual(current);
    });

    it('fails with NOT_FOUND for an unknown id', async () => {
      await expectCohortError(contents().update(fixtures.id(), { title: 'Ghost' }, 1), 'NOT_FOUND');
    });

    it('fails with CONCURRENCY for a stale version and keeps the stored item', async () => {
      const content = await fixtures.content();
      const current = await contents().update(content.id, { title: 'First writer' }, 1);
      await expectCohortError(contents().update(content.id, { status: 'published' }, 1), 'CONCURRENCY');
      expect(await contents().getById(content.id)).toEqual(current);
    });
  });

  describe('ContentRepository.listPublished', () => {
    it('lists only published items of the author, newest publishedAt first', async () => {
      const authorId = fixtures.id();
      const base = new Date('2026-04-05T00:00:00.000Z').getTime();
      const oldest = await publishAt(await fixtures.content({ authorId }), new Date(base));
      const newest = await publishAt(await fixtures.content({ authorId }), new Date(base + 2 * MINUTE));
      const middle = await publishAt(await fixtures.content({ authorId }), new Date(base + MINUTE));
      await fixtures.content({ authorId }); // a draft
      const archived = await publishAt(await fixtures.content({ authorId }), new Date(base + 3 * MINUTE));
      await contents().update(archived.id, { status: 'archived' }, archived.version);

      const items = await published({ authorId });
      expect(ids(items)).toEqual([newest.id, middle.id, oldest.id]);
      expect(items.every((item) => item.status === 'published' && item.authorId === authorId)).toBe(true);
      expect(items[0]).toEqual(newest);
    });

    it('orders items published at the same instant by id, descending', async () => {
      const authorId = fixtures.id();
      const at = new Date('2026-04-06T00:00:00.000Z');
      const made = [
        await fixtures.content({ authorId }),
        await fixtures.content({ authorId }),
        await fixtures.content({ authorId }),
      ];
      for (const content of made) await publishAt(content, at);
      const expected = ids(made).sort().reverse();
      expect(ids(await published({ authorId }))).toEqual(expected);
      expect(ids(await published({ authorId }, 1))).toEqual(expected);
    });

    it('filters by tag, in any letter case, across authors', async () => {
      const tag = fixtures.tag();
      const a = await fixtures.publishedContent({ tags: [tag, 'shared'] });
      const b = await fixtures.publishedContent({ tags: ['other', tag] });
      await fixtures.publishedContent({ tags: [fixtures.tag()] });
      await fixtures.content({ tags: [tag] }); // a draft
      const byTag = await published({ tag });
      expect(ids(byTag)).toEqual([b.id, a.id]);
      expect(ids(await published({ tag: tag.toUpperCase() }))).toEqual([b.id, a.id]);
    });

    it('combines the tag and author filters', async () => {
      const tag = fixtures.tag();
      const authorId = fixtures.id();
      const both = await fixtures.publishedContent({ authorId, tags: [tag] });
      await fixtures.publishedContent({ authorId, tags: [fixtures.tag()] });
      await fixtures.publishedContent({ tags: [tag] });
      expect(ids(await published({ tag, authorId }))).toEqual([both.id]);
    });

    it('follows tag changes: an item leaves the old tag and joins the new one', async () => {
      const before = fixtures.tag();
      const after = fixtures.tag();
      const content = await fixtures.publishedContent({ tags: [before] });
      await contents().update(content.id, { tags: [after] }, content.version);
      expect(await published({ tag: before })).toEqual([]);
      expect(ids(await published({ tag: after }))).toEqual([content.id]);
    });

    it('drops an archived item from every listing and restores it in its original place when re-published', async () => {
      const tag = fixtures.tag();
      const authorId = fixtures.id();
      const base = new Date('2026-04-07T00:00:00.000Z').getTime();
      const early = await publishAt(await fixtures.content({ authorId, tags: [tag] }), new Date(base));
      const late = await publishAt(await fixtures.content({ authorId, tags: [tag] }), new Date(base + MINUTE));
      clock.freeze(new Date(base + 2 * MINUTE));
      const archived = await contents().update(early.id, { status: 'archived' }, early.version);
      expect(ids(await published({ authorId }))).toEqual([late.id]);
      expect(ids(await published({ tag }))).toEqual([late.id]);
      clock.advance(MINUTE);
      await contents().update(early.id, { status: 'published' }, archived.version);
      expect(ids(await published({ authorId }))).toEqual([late.id, early.id]);
      expect(ids(await published({ tag }))).toEqual([late.id, early.id]);
    });

    it('returns an empty page for an author with nothing published', async () => {
      const authorId = fixtures.id();
      await fixtures.content({ authorId });
      expect(await contents().listPublished({ authorId })).toEqual({ items: [], nextCursor: null });
    });

    it('lists everything published, newest first, without a filter', async () => {
      const content = await fixtures.publishedContent();
      const all = await published({});
      expect(ids(all)).toContain(content.id);
      const times = all.map((item) => item.publishedAt?.getTime() ?? Number.NaN);
      expect(times).toEqual([...times].sort((x, y) => y - x));
      expect(all.every((item) => item.status === 'published')).toBe(true);
    });
  });

  describe('EnrollmentRepository.enroll', () => {
    it('enrolls at progress 0 with enrolledAt from the clock', async () => {
      const at = new Date('2026-04-08T07:00:00.500Z');
      const content = await fixtures.publishedContent();
      const userId = fixtures.id();
      clock.freeze(at);
      const enrollment = await enrollments().enroll(userId, content.id);
      expect(enrollment).toEqual({
        userId,
        contentId: content.id,
        progress: 0,
        status: 'enrolled',
        enrolledAt: at,
        completedAt: null,
        updatedAt: at,
      });
      expect(await enrollments().get(userId, content.id)).toEqual(enrollment);
    });

    it('is idempotent: enrolling again returns the existing enrollment unchanged', async () => {
      const content = await fixtures.publishedContent();
      const userId = fixtures.id();
      const first = await enrollments().enroll(userId, content.id);
      await enrollments().recordProgress(userId, content.id, 40);
      const progressed = await enrollments().get(userId, content.id);
      clock.advance(MINUTE);
      const again = await enrollments().enroll(userId, content.id);
      expect(again).toEqual(progressed);
      expect(again.enrolledAt).toEqual(first.enrolledAt);
      expect(await enrollments().countsFor(content.id)).toEqual({ enrolled: 1, completed: 0 });
    });

    it('fails with NOT_FOUND when the content does not exist, and stores nothing', async () => {
      const userId = fixtures.id();
      const contentId = fixtures.id();
      await expectCohortError(enrollments().enroll(userId, contentId), 'NOT_FOUND');
      expect(await enrollments().get(userId, contentId)).toBeNull();
      expect((await enrollments().listByUser(userId)).items).toEqual([]);
    });

    it('does not check that the user exists (users may live in another store)', async () => {
      const content = await fixtures.publishedContent();
      const enrollment = await enrollments().enroll(fixtures.id(), content.id);
      expect(enrollment.status).toBe('enrolled');
    });
  });

  describe('EnrollmentRepository.recordProgress', () => {
    it('raises progress and takes updatedAt from the clock', async () => {
      const content = await fixtures.publishedContent();
      const userId = fixtures.id();
      clock.freeze(new Date('2026-04-09T00:00:00.000Z'));
      const enrolled = await enrollments().enroll(userId, content.id);
      clock.advance(MINUTE);
      const progressed = await enrollments().recordProgress(userId, content.id, 35);
      expect(progressed).toEqual({
        ...enrolled,
        progress: 35,
        updatedAt: new Date('2026-04-09T00:01:00.000Z'),
      });
      expect(await enrollments().get(userId, content.id)).toEqual(progressed);
    });

    it('changes nothing for a lower or equal value (progress never decreases)', async () => {
      const content = await fixtures.publishedContent();
      const userId = fixtures.id();
      await enrollments().enroll(userId, content.id);
      const at60 = await enrollments().recordProgress(userId, content.id, 60);
      clock.advance(MINUTE);
      expect(await enrollments().recordProgress(userId, content.id, 20)).toEqual(at60);
      expect(await enrollments().recordProgress(userId, content.id, 60)).toEqual(at60);
      expect(await enrollments().get(userId, content.id)).toEqual(at60);
    });

    it('completes at 100 with completedAt from the clock', async () => {
      const content = await fixtures.publishedContent();
      const userId = fixtures.id();
      await enrollments().enroll(userId, content.id);
      const at = new Date('2026-04-10T16:45:00.999Z');
      clock.freeze(at);
      const done = await enrollments().recordProgress(userId, content.id, 100);
      expect(done).toMatchObject({ progress: 100, status: 'completed', completedAt: at, updatedAt: at });
      expect(await enrollments().get(userId, content.id)).toEqual(done);
    });

    it('completes only once: later reports keep completedAt and the completed status', async () => {
      const content = await fixtures.publishedContent();
      const userId = fixtures.id();
      await enrollments().enroll(userId, content.id);
      const done = await enrollments().recordProgress(userId, content.id, 100);
      clock.advance(MINUTE);
      expect(await enrollments().recordProgress(userId, content.id, 100)).toEqual(done);
      expect(await enrollments().recordProgress(userId, content.id, 10)).toEqual(done);
      expect(await enrollments().enroll(userId, content.id)).toEqual(done);
      expect(await enrollments().countsFor(content.id)).toEqual({ enrolled: 1, completed: 1 });
    });

    it('fails with NOT_FOUND when the user is not enrolled, and enrolls nobody', async () => {
      const content = await fixtures.publishedContent();
      const userId = fixtures.id();
      await expectCohortError(enrollments().recordProgress(userId, content.id, 50), 'NOT_FOUND');
      expect(await enrollments().get(userId, content.id)).toBeNull();
      expect(await enrollments().countsFor(content.id)).toEqual({ enrolled: 0, completed: 0 });
    });

    it('fails with NOT_FOUND when the content does not exist', async () => {
      await expectCohortError(enrollments().recordProgress(fixtures.id(), fixtures.id(), 50), 'NOT_FOUND');
    });
  });

  describe('EnrollmentRepository.get', () => {
    it('returns null for a user who is not enrolled', async () => {
      const content = await fixtures.publishedContent();
      await enrollments().enroll(fixtures.id(), content.id);
      expect(await enrollments().get(fixtures.id(), content.id)).toBeNull();
    });

    it('returns null for unknown content', async () => {
      expect(await enrollments().get(fixtures.id(), fixtures.id())).toBeNull();
    });

    it('keeps enrollments of different users and contents apart', async () => {
      const [a, b] = [await fixtures.publishedContent(), await fixtures.publishedContent()];
      const userId = fixtures.id();
      await enrollments().enroll(userId, a.id);
      await enrollments().enroll(userId, b.id);
      await enrollments().recordProgress(userId, a.id, 70);
      expect((await enrollments().get(userId, a.id))?.progress).toBe(70);
      expect((await enrollments().get(userId, b.id))?.progress).toBe(0);
    });
  });

  describe('EnrollmentRepository.listByUser', () => {
    it('lists the user’s enrollments, most recent enrolledAt first', async () => {
      const userId = fixtures.id();
      const [a, b, c] = [
        await fixtures.publishedContent(),
        await fixtures.publishedContent(),
        await fixtures.publishedContent(),
      ];
      clock.freeze(new Date('2026-04-11T00:00:00.000Z'));
      await enrollments().enroll(userId, b.id);
      clock.advance(MINUTE);
      await enrollments().enroll(userId, a.id);
      clock.advance(MINUTE);
      await enrollments().enroll(userId, c.id);
      await enrollments().enroll(fixtures.id(), a.id); // another user's
      const items = await everyItem((cursor) => enrollments().listByUser(userId, { cursor, limit: 2 }));
      expect(items.map((item) => item.contentId)).toEqual([c.id, a.id, b.id]);
      expect(items.every((item) => item.userId === userId)).toBe(true);
    });

    it('orders enrollments made at the same instant by contentId, descending', async () => {
      const userId = fixtures.id();
      const made = [
        await fixtures.publishedContent(),
        await fixtures.publishedContent(),
        await fixtures.publishedContent(),
      ];
      clock.freeze(new Date('2026-04-12T00:00:00.000Z'));
      for (const content of made) await enrollments().enroll(userId, content.id);
      const items = await everyItem((cursor) => enrollments().listByUser(userId, { cursor, limit: 1 }));
      expect(items.map((item) => item.contentId)).toEqual(ids(made).sort().reverse());
    });

    it('shows current progress and returns an empty page for a user with no enrollments', async () => {
      const userId = fixtures.id();
      const content = await fixtures.publishedContent();
      await enrollments().enroll(userId, content.id);
      const done = await enrollments().recordProgress(userId, content.id, 100);
      expect((await enrollments().listByUser(userId)).items).toEqual([done]);
      expect(await enrollments().listByUser(fixtures.id())).toEqual({ items: [], nextCursor: null });
    });
  });

  describe('EnrollmentRepository.countsFor', () => {
    it('counts every enrollment as enrolled and the completed ones as completed', async () => {
      const content = await fixtures.publishedContent();
      const [a, b, c] = [fixtures.id(), fixtures.id(), fixtures.id()];
      for (const userId of [a, b, c]) await enrollments().enroll(userId, content.id);
      await enrollments().recordProgress(a, content.id, 100);
      await enrollments().recordProgress(b, content.id, 99);
      await enrollments().enroll(a, content.id);
      expect(await enrollments().countsFor(content.id)).toEqual({ enrolled: 3, completed: 1 });
    });

    it('counts one content item only', async () => {
      const [a, b] = [await fixtures.publishedContent(), await fixtures.publishedContent()];
      await enrollments().enroll(fixtures.id(), a.id);
      expect(await enrollments().countsFor(a.id)).toEqual({ enrolled: 1, completed: 0 });
      expect(await enrollments().countsFor(b.id)).toEqual({ enrolled: 0, completed: 0 });
    });

    it('returns zeros for content nobody enrolled in, and for unknown content', async () => {
      const content = await fixtures.publishedContent();
      expect(await enrollments().countsFor(content.id)).toEqual({ enrolled: 0, completed: 0 });
      expect(await enrollments().countsFor(fixtures.id())).toEqual({ enrolled: 0, completed: 0 });
    });
  });
}
