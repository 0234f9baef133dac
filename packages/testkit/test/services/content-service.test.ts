import { newId } from '@cohort/core';
import { describe, expect, it } from 'vitest';
import { expectCohortError } from '../../src/contract/expect-cohort-error.js';
import { T0, createHarness, type Harness } from './service-harness.js';

async function publishedCourse(h: Harness) {
  const author = await h.user('manager');
  const draft = await h.services.content.createContent(author.id, { kind: 'course', title: 'Intro to SQL' });
  const content = await h.services.content.publishContent(author.id, draft.id);
  return { author, content };
}

describe('ContentService.createContent', () => {
  it('stores a draft authored by the actor and records created', async () => {
    const h = createHarness();
    const author = await h.user();
    const content = await h.services.content.createContent(author.id, {
      kind: 'article',
      title: ' Why keysets ',
      tags: ['SQL', 'sql', 'Paging'],
    });
    expect(content).toMatchObject({
      authorId: author.id,
      title: 'Why keysets',
      tags: ['sql', 'paging'],
      status: 'draft',
      publishedAt: null,
    });
    expect(await h.activityOf(author.id)).toEqual([
      {
        actorId: author.id,
        verb: 'created',
        object: { type: 'content', id: content.id },
        occurredAt: T0,
        metadata: { kind: 'article' },
      },
    ]);
  });

  it('ignores an authorId smuggled into the input: the author is always the actor', async () => {
    const h = createHarness();
    const author = await h.user();
    const input = { kind: 'video', title: 'x', authorId: newId() } as never;
    expect((await h.services.content.createContent(author.id, input)).authorId).toBe(author.id);
  });

  it('is VALIDATION for bad input and NOT_FOUND for an unknown author', async () => {
    const h = createHarness();
    const author = await h.user();
    await expectCohortError(
      h.services.content.createContent(author.id, { kind: 'book' as never, title: 'x' }),
      'VALIDATION',
    );
    await expectCohortError(h.services.content.createContent(author.id, 'course' as never), 'VALIDATION');
    await expectCohortError(h.services.content.createContent(newId(), { kind: 'course', title: 'x' }), 'NOT_FOUND');
  });
});

describe('ContentService.publishContent', () => {
  it('publishes and records published; publishing again records nothing', async () => {
    const h = createHarness();
    const author = await h.user();
    const draft = await h.services.content.createContent(author.id, { kind: 'course', title: 'x' });
    h.clock.advance(60_000);
    const published = await h.services.content.publishContent(author.id, draft.id);
    expect(published).toMatchObject({ status: 'published', publishedAt: h.clock.now(), version: 2 });
    expect(await h.services.content.publishContent(author.id, draft.id)).toEqual(published);
    const [latest, ...rest] = await h.activityOf(author.id);
    expect(latest).toEqual({
      actorId: author.id,
      verb: 'published',
      object: { type: 'content', id: draft.id },
      occurredAt: h.clock.now(),
      metadata: { kind: 'course' },
    });
    expect(rest.map((event) => event.verb)).toEqual(['created']);
  });

  it('lets an admin publish, forbids anyone else, and is NOT_FOUND for missing content', async () => {
    const h = createHarness();
    const [author, other, admin] = [await h.user(), await h.user('manager'), await h.user('admin')];
    const draft = await h.services.content.createContent(author.id, { kind: 'course', title: 'x' });
    await expectCohortError(h.services.content.publishContent(other.id, draft.id), 'FORBIDDEN');
    expect((await h.services.content.publishContent(admin.id, draft.id)).status).toBe('published');
    expect((await h.activityOf(admin.id)).map((event) => event.verb)).toEqual(['published']);
    await expectCohortError(h.services.content.publishContent(admin.id, newId()), 'NOT_FOUND');
  });

  it('lists what is published', async () => {
    const h = createHarness();
    const { content, author } = await publishedCourse(h);
    await h.services.content.createContent(author.id, { kind: 'course', title: 'still a draft' });
    expect((await h.services.content.listPublished({ authorId: author.id })).items).toEqual([content]);
    await expectCohortError(h.services.content.listPublished({ tag: 'Not A Tag!' }), 'VALIDATION');
  });
});

describe('ContentService.enroll', () => {
  it('enrolls the actor in published content and records enrolled; again records nothing', async () => {
    const h = createHarness();
    const { content } = await publishedCourse(h);
    const learner = await h.user();
    const enrollment = await h.services.content.enroll(learner.id, content.id);
    expect(enrollment).toMatchObject({ userId: learner.id, contentId: content.id, progress: 0, status: 'enrolled' });
    expect(await h.services.content.enroll(learner.id, content.id)).toEqual(enrollment);
    expect(await h.activityOf(learner.id)).toEqual([
      {
        actorId: learner.id,
        verb: 'enrolled',
        object: { type: 'content', id: content.id },
        occurredAt: T0,
        metadata: {},
      },
    ]);
  });

  it('is CONFLICT for a draft, NOT_FOUND for missing content', async () => {
    const h = createHarness();
    const author = await h.user();
    const draft = await h.services.content.createContent(author.id, { kind: 'course', title: 'x' });
    const learner = await h.user();
    await expectCohortError(h.services.content.enroll(learner.id, draft.id), 'CONFLICT');
    await expectCohortError(h.services.content.enroll(learner.id, newId()), 'NOT_FOUND');
    expect(await h.activityOf(learner.id)).toEqual([]);
  });

  it('is CONFLICT for archived content', async () => {
    const h = createHarness();
    const { content } = await publishedCourse(h);
    await h.store.contents.update(content.id, { status: 'archived' }, content.version);
    await expectCohortError(h.services.content.enroll((await h.user()).id, content.id), 'CONFLICT');
  });
});

describe('ContentService.recordProgress', () => {
  it('records progressed with the new progress', async () => {
    const h = createHarness();
    const { content } = await publishedCourse(h);
    const learner = await h.user();
    await h.services.content.enroll(learner.id, content.id);
    h.clock.advance(1000);
    const enrollment = await h.services.content.recordProgress(learner.id, content.id, 40);
    expect(enrollment).toMatchObject({ progress: 40, status: 'enrolled' });
    expect((await h.activityOf(learner.id))[0]).toEqual({
      actorId: learner.id,
      verb: 'progressed',
      object: { type: 'content', id: content.id },
      occurredAt: h.clock.now(),
      metadata: { progress: 40 },
    });
  });

  it('records progressed and completed when it reaches 100, and completes once', async () => {
    const h = createHarness();
    const { content } = await publishedCourse(h);
    const learner = await h.user();
    await h.services.content.enroll(learner.id, content.id);
    await h.services.content.recordProgress(learner.id, content.id, 60);
    h.clock.advance(1000);
    const done = await h.services.content.recordProgress(learner.id, content.id, 100);
    expect(done).toMatchObject({ progress: 100, status: 'completed', completedAt: h.clock.now() });
    expect(await h.services.content.recordProgress(learner.id, content.id, 100)).toEqual(done);
    const activity = await h.activityOf(learner.id);
    const object = { type: 'content', id: content.id };
    // Events of one instant come in id order, and ids made from changes do not order them within a millisecond.
    expect(activity.slice(0, 2)).toHaveLength(2);
    expect(activity.slice(0, 2)).toEqual(
      expect.arrayContaining([
        { actorId: learner.id, verb: 'completed', object, occurredAt: h.clock.now(), metadata: {} },
        { actorId: learner.id, verb: 'progressed', object, occurredAt: h.clock.now(), metadata: { progress: 100 } },
      ]),
    );
    expect(activity.map((event) => event.verb).sort()).toEqual(['completed', 'enrolled', 'progressed', 'progressed']);
  });

  it('changes and records nothing for a lower or equal progress', async () => {
    const h = createHarness();
    const { content } = await publishedCourse(h);
    const learner = await h.user();
    await h.services.content.enroll(learner.id, content.id);
    const at50 = await h.services.content.recordProgress(learner.id, content.id, 50);
    expect(await h.services.content.recordProgress(learner.id, content.id, 20)).toEqual(at50);
    expect(await h.services.content.recordProgress(learner.id, content.id, 50)).toEqual(at50);
    expect((await h.activityOf(learner.id)).map((event) => event.verb).sort()).toEqual(['enrolled', 'progressed']);
  });

  it('is NOT_FOUND when not enrolled and VALIDATION outside 0..100', async () => {
    const h = createHarness();
    const { content } = await publishedCourse(h);
    const learner = await h.user();
    await expectCohortError(h.services.content.recordProgress(learner.id, content.id, 10), 'NOT_FOUND');
    for (const progress of [-1, 101, 50.5, Number.NaN, '50' as never]) {
      await expectCohortError(h.services.content.recordProgress(learner.id, content.id, progress), 'VALIDATION');
    }
  });

  it('lists the actor’s own enrollments', async () => {
    const h = createHarness();
    const { content } = await publishedCourse(h);
    const learner = await h.user();
    const enrollment = await h.services.content.enroll(learner.id, content.id);
    expect((await h.services.content.listEnrollments(learner.id)).items).toEqual([enrollment]);
  });
});
