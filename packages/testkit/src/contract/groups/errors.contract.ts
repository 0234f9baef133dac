import { CohortError, type CohortErrorCode, type Page } from '@cohort/core';
import { describe, expect, it } from 'vitest';
import type { ContractContext } from '../contract-context.js';
import { expectCohortError } from '../expect-cohort-error.js';

const MEGABYTE = 'x'.repeat(1024 * 1024);
const INVALID_DATE = new Date(Number.NaN);

/** Asserts `code`, that the error is a branded, non-retryable Error with a message, and that it names one of `keys`. */
async function expectNamedError(
  action: Promise<unknown>,
  code: CohortErrorCode,
  keys: readonly string[],
): Promise<CohortError> {
  const error = await expectCohortError(action, code);
  expect(error).toBeInstanceOf(Error);
  expect(error.name).toBe('CohortError');
  expect(error.retryable).toBe(false);
  expect(
    keys.some((key) => error.message.includes(key)),
    `"${error.message}" should name one of ${keys.join(', ')}`,
  ).toBe(true);
  return error;
}

/**
 * Runs `act` and asserts that whatever escapes is a CohortError (of `code` when given, and never UNAVAILABLE: bad
 * input is not an outage). A synchronous throw counts as an escape too: ports return promises.
 */
async function expectOnlyCohortErrors(act: () => Promise<unknown>, code: CohortErrorCode | null): Promise<void> {
  let outcome: { failed: false } | { failed: true; error: unknown };
  try {
    await act();
    outcome = { failed: false };
  } catch (error) {
    outcome = { failed: true, error };
  }
  if (code !== null) {
    if (!outcome.failed) expect.fail(`expected a CohortError ${code}, but the call succeeded`);
  }
  if (!outcome.failed) return;
  const { error } = outcome;
  if (!CohortError.is(error)) {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    expect.fail(`a ${typeof error} that is not a CohortError escaped: ${detail.slice(0, 300)}`);
  }
  if (code === null) expect(error.code, error.message.slice(0, 300)).not.toBe('UNAVAILABLE');
  else expect(error.code, error.message.slice(0, 300)).toBe(code);
  expect(error.retryable).toBe(false);
  expect(error.message.length).toBeGreaterThan(0);
  expect(error.message.length, 'the message stays readable').toBeLessThan(20_000);
}

export function errorsContract(context: ContractContext): void {
  const { fixtures } = context;
  const store = () => context.store();

  describe('errors', () => {
    describe('CohortError', () => {
      it('NOT_FOUND is a branded, non-retryable Error whose message names the id', async () => {
        const id = fixtures.id();
        const error = await expectNamedError(store().users.update(id, { displayName: 'X' }, 1), 'NOT_FOUND', [id]);
        expect(CohortError.is(error)).toBe(true);
        expect(CohortError.is(error, 'NOT_FOUND')).toBe(true);
        expect(CohortError.is(error, 'CONFLICT')).toBe(false);
      });

      it('CONCURRENCY names the record and is not retryable', async () => {
        const user = await fixtures.user();
        await store().users.update(user.id, {}, 1);
        await expectNamedError(store().users.update(user.id, {}, 1), 'CONCURRENCY', [user.id]);
      });

      it('CONFLICT for a taken email says that the email is taken', async () => {
        const user = await fixtures.user();
        const error = await expectCohortError(
          store().users.create({ email: user.email, displayName: 'Twin' }),
          'CONFLICT',
        );
        expect(error.retryable).toBe(false);
        expect(error.message).toMatch(/email/i);
      });

      it('CONFLICT for a taken slug says that the slug is taken', async () => {
        const community = await fixtures.community();
        const error = await expectCohortError(
          store().communities.create({ slug: community.slug, name: 'Twin', ownerId: fixtures.id() }),
          'CONFLICT',
        );
        expect(error.retryable).toBe(false);
        expect(error.message).toMatch(/slug/i);
      });

      it('VALIDATION is not retryable and carries plain issues with paths, not a ZodError', async () => {
        const error = await expectCohortError(
          store().users.create({ email: fixtures.email(), displayName: '' }),
          'VALIDATION',
        );
        expect(error.retryable).toBe(false);
        expect(error.name).toBe('CohortError');
        expect(error.message).toMatch(/displayName/);
        expect(error.issues.length).toBeGreaterThan(0);
        for (const issue of error.issues) {
          expect(Object.keys(issue).sort()).toEqual(['message', 'path']);
          expect(issue.path.every((segment) => typeof segment === 'string' || typeof segment === 'number')).toBe(true);
        }
        expect(error.issues.some((issue) => issue.path.includes('displayName'))).toBe(true);
      });

      it('reports failures as rejected promises, never as synchronous throws', async () => {
        const calls: (() => Promise<unknown>)[] = [
          () => store().users.getById(null as never),
          () => store().users.create(null as never),
          () => store().contents.update('bad', null as never, Number.NaN),
          () => store().enrollments.recordProgress('bad', 'bad', Number.NaN),
          () => store().events.listUpcoming(null as never),
          () => store().communities.getBySlug(undefined as never),
          () => store().memberships.join(null as never, null as never),
          () => store().posts.addComment('bad', null as never),
          () => store().activity.append(null as never),
          () => store().recordSets.users.putMany(null as never),
        ];
        for (const call of calls) {
          let returned: unknown;
          expect(() => {
            returned = call();
          }).not.toThrow();
          expect(returned).toBeInstanceOf(Promise);
          await expectCohortError(returned as Promise<unknown>, 'VALIDATION');
        }
      });
    });

    describe('NOT_FOUND names the missing thing', () => {
      type Arrangement = { action: Promise<unknown>; keys: string[] };
      const cases: { name: string; act: () => Arrangement | Promise<Arrangement> }[] = [
        {
          name: 'UserRepository.update of an unknown user',
          act: () => {
            const id = fixtures.id();
            return { action: store().users.update(id, {}, 1), keys: [id] };
          },
        },
        {
          name: 'ContentRepository.update of unknown content',
          act: () => {
            const id = fixtures.id();
            return { action: store().contents.update(id, {}, 1), keys: [id] };
          },
        },
        {
          name: 'EventRepository.update of an unknown event',
          act: () => {
            const id = fixtures.id();
            return { action: store().events.update(id, {}, 1), keys: [id] };
          },
        },
        {
          name: 'CommunityRepository.update of an unknown community',
          act: () => {
            const id = fixtures.id();
            return { action: store().communities.update(id, {}, 1), keys: [id] };
          },
        },
        {
          name: 'PostRepository.update of an unknown post',
          act: () => {
            const id = fixtures.id();
            return { action: store().posts.update(id, {}, 1), keys: [id] };
          },
        },
        {
          name: 'EnrollmentRepository.enroll in unknown content',
          act: () => {
            const contentId = fixtures.id();
            return { action: store().enrollments.enroll(fixtures.id(), contentId), keys: [contentId] };
          },
        },
        {
          name: 'EnrollmentRepository.recordProgress without an enrollment',
          act: async () => {
            const content = await fixtures.publishedContent();
            const userId = fixtures.id();
            return {
              action: store().enrollments.recordProgress(userId, content.id, 10),
              keys: [content.id, userId],
            };
          },
        },
        {
          name: 'EventRepository.register for an unknown event',
          act: () => {
            const eventId = fixtures.id();
            return { action: store().events.register(eventId, fixtures.id()), keys: [eventId] };
          },
        },
        {
          name: 'EventRepository.cancelRegistration of a user who never registered',
          act: async () => {
            const event = await fixtures.event();
            const userId = fixtures.id();
            return { action: store().events.cancelRegistration(event.id, userId), keys: [event.id, userId] };
          },
        },
        {
          name: 'EventRepository.markAttended of a user who never registered',
          act: async () => {
            const event = await fixtures.event();
            const userId = fixtures.id();
            return { action: store().events.markAttended(event.id, userId), keys: [event.id, userId] };
          },
        },
        {
          name: 'MembershipRepository.join of an unknown community',
          act: () => {
            const communityId = fixtures.id();
            return { action: store().memberships.join(communityId, fixtures.id()), keys: [communityId] };
          },
        },
        {
          name: 'MembershipRepository.setRole of a non-member',
          act: async () => {
            const community = await fixtures.community();
            const userId = fixtures.id();
            return {
              action: store().memberships.setRole(community.id, userId, 'moderator'),
              keys: [community.id, userId],
            };
          },
        },
        {
          name: 'PostRepository.create in an unknown community',
          act: () => {
            const communityId = fixtures.id();
            return {
              action: store().posts.create({ communityId, authorId: fixtures.id(), body: 'Hello' }),
              keys: [communityId],
            };
          },
        },
        {
          name: 'PostRepository.addComment on an unknown post',
          act: () => {
            const postId = fixtures.id();
            return {
              action: store().posts.addComment(postId, { authorId: fixtures.id(), body: 'Hello' }),
              keys: [postId],
            };
          },
        },
        {
          name: 'PostRepository.react to an unknown post',
          act: () => {
            const postId = fixtures.id();
            return { action: store().posts.react(postId, fixtures.id(), 'like'), keys: [postId] };
          },
        },
      ];
      it.each(cases)('$name', async ({ act }) => {
        const { action, keys } = await act();
        await expectNamedError(action, 'NOT_FOUND', keys);
      });
    });

    describe('NOT_FOUND comes before CONCURRENCY', () => {
      const cases: { name: string; act: (id: string) => Promise<unknown> }[] = [
        { name: 'UserRepository.update', act: (id) => store().users.update(id, {}, 42) },
        { name: 'ContentRepository.update', act: (id) => store().contents.update(id, {}, 42) },
        { name: 'EventRepository.update', act: (id) => store().events.update(id, {}, 42) },
        { name: 'CommunityRepository.update', act: (id) => store().communities.update(id, {}, 42) },
        { name: 'PostRepository.update', act: (id) => store().posts.update(id, {}, 42) },
      ];
      it.each(cases)('$name of an unknown id at any version is NOT_FOUND', async ({ act }) => {
        await expectCohortError(act(fixtures.id()), 'NOT_FOUND');
      });
    });

    describe('missing data is a value, not an error', () => {
      const cases: { name: string; act: () => Promise<unknown> }[] = [
        { name: 'UserRepository.getById', act: () => store().users.getById(fixtures.id()) },
        { name: 'UserRepository.findByEmail', act: () => store().users.findByEmail(fixtures.email()) },
        { name: 'ContentRepository.getById', act: () => store().contents.getById(fixtures.id()) },
        { name: 'EnrollmentRepository.get', act: () => store().enrollments.get(fixtures.id(), fixtures.id()) },
        { name: 'EventRepository.getById', act: () => store().events.getById(fixtures.id()) },
        {
          name: 'EventRepository.getRegistration of an unknown event',
          act: () => store().events.getRegistration(fixtures.id(), fixtures.id()),
        },
        {
          name: 'EventRepository.getRegistration of a user who never registered',
          act: async () => store().events.getRegistration((await fixtures.event()).id, fixtures.id()),
        },
        { name: 'CommunityRepository.getById', act: () => store().communities.getById(fixtures.id()) },
        { name: 'CommunityRepository.getBySlug', act: () => store().communities.getBySlug(fixtures.slug()) },
        { name: 'MembershipRepository.get', act: () => store().memberships.get(fixtures.id(), fixtures.id()) },
        { name: 'PostRepository.getById', act: () => store().posts.getById(fixtures.id()) },
      ];
      it.each(cases)('$name returns null for an unknown key', async ({ act }) => {
        expect(await act()).toBeNull();
      });

      const lists: { name: string; act: () => Promise<Page<unknown>> }[] = [
        { name: 'PostRepository.feed', act: () => store().posts.feed(fixtures.id()) },
        { name: 'PostRepository.listComments', act: () => store().posts.listComments(fixtures.id()) },
        { name: 'MembershipRepository.listMembers', act: () => store().memberships.listMembers(fixtures.id()) },
        { name: 'MembershipRepository.listByUser', act: () => store().memberships.listByUser(fixtures.id()) },
        { name: 'EventRepository.listRegistrations', act: () => store().events.listRegistrations(fixtures.id()) },
        {
          name: 'EventRepository.listUpcoming',
          act: () => store().events.listUpcoming({ from: new Date(0), communityId: fixtures.id() }),
        },
        { name: 'EnrollmentRepository.listByUser', act: () => store().enrollments.listByUser(fixtures.id()) },
        {
          name: 'ContentRepository.listPublished',
          act: () => store().contents.listPublished({ authorId: fixtures.id() }),
        },
        { name: 'ActivityLog.listByActor', act: () => store().activity.listByActor(fixtures.id()) },
        {
          name: 'ActivityLog.listByObject',
          act: () => store().activity.listByObject({ type: 'post', id: fixtures.id() }),
        },
      ];
      it.each(lists)('$name returns an empty last page for an unknown parent', async ({ act }) => {
        expect(await act()).toEqual({ items: [], nextCursor: null });
      });

      it('EnrollmentRepository.countsFor returns zeros for unknown content', async () => {
        expect(await store().enrollments.countsFor(fixtures.id())).toEqual({ enrolled: 0, completed: 0 });
      });

      it('MembershipRepository.leave returns false for an unknown community or a non-member', async () => {
        expect(await store().memberships.leave(fixtures.id(), fixtures.id())).toBe(false);
        const community = await fixtures.community();
        expect(await store().memberships.leave(community.id, fixtures.id())).toBe(false);
        expect((await store().communities.getById(community.id))?.memberCount).toBe(1);
      });

      it('PostRepository.remove and unreact return false for an unknown post', async () => {
        expect(await store().posts.remove(fixtures.id())).toBe(false);
        expect(await store().posts.unreact(fixtures.id(), fixtures.id(), 'like')).toBe(false);
      });
    });

    describe('nothing but a CohortError escapes', () => {
      const user = () => fixtures.user();
      const cases: { name: string; code: CohortErrorCode | null; act: () => Promise<unknown> }[] = [
        // Malformed ids.
        { name: 'an id with SQL in it', code: 'VALIDATION', act: () => store().users.getById("1' OR '1'='1") },
        {
          name: 'a UUID followed by a statement',
          code: 'VALIDATION',
          act: () => store().users.getById(`${fixtures.id()}'; DROP TABLE users; --`),
        },
        {
          name: 'a UUID missing a digit',
          code: 'VALIDATION',
          act: () => store().events.register(fixtures.id().slice(1), fixtures.id()),
        },
        { name: 'an id of spaces', code: 'VALIDATION', act: () => store().posts.react('   ', fixtures.id(), 'like') },
        {
          name: 'an id that is an object',
          code: 'VALIDATION',
          act: () => store().enrollments.get({} as never, fixtures.id()),
        },
        { name: 'an id that is a number', code: 'VALIDATION', act: () => store().communities.getById(12345 as never) },
        { name: 'an id of 1 MB', code: 'VALIDATION', act: () => store().contents.getById(MEGABYTE) },
        { name: 'a Dynamo-style key as an id', code: 'VALIDATION', act: () => store().users.getById('USER#1') },
        // Huge strings.
        {
          name: 'a 1 MB displayName',
          code: 'VALIDATION',
          act: () => store().users.create({ email: fixtures.email(), displayName: MEGABYTE }),
        },
        {
          name: 'a 1 MB email lookup',
          code: 'VALIDATION',
          act: () => store().users.findByEmail(`${MEGABYTE}@example.com`),
        },
        {
          name: 'a 1 MB content title',
          code: 'VALIDATION',
          act: () => store().contents.create({ kind: 'course', title: MEGABYTE, authorId: fixtures.id() }),
        },
        {
          name: 'a 1 MB post body',
          code: 'VALIDATION',
          act: async () =>
            store().posts.create({
              communityId: (await fixtures.community()).id,
              authorId: fixtures.id(),
              body: MEGABYTE,
            }),
        },
        {
          name: 'a 1 MB comment body',
          code: 'VALIDATION',
          act: async () =>
            store().posts.addComment((await fixtures.post()).id, { authorId: fixtures.id(), body: MEGABYTE }),
        },
        { name: 'a 1 MB slug lookup', code: 'VALIDATION', act: () => store().communities.getBySlug(MEGABYTE) },
        {
          name: 'a 1 MB metadata value',
          code: 'VALIDATION',
          act: () => store().activity.append([fixtures.activity({ metadata: { note: MEGABYTE } })]),
        },
        {
          name: 'a 1 MB activity object id',
          code: 'VALIDATION',
          act: () => store().activity.listByObject({ type: 'post', id: MEGABYTE }),
        },
        { name: 'a 1 MB cursor', code: 'VALIDATION', act: () => store().users.list({ cursor: MEGABYTE }) },
        { name: 'a 1 MB tag filter', code: 'VALIDATION', act: () => store().contents.listPublished({ tag: MEGABYTE }) },
        // NaN and Infinity.
        {
          name: 'progress NaN',
          code: 'VALIDATION',
          act: async () => {
            const content = await fixtures.publishedContent();
            const userId = fixtures.id();
            await store().enrollments.enroll(userId, content.id);
            return store().enrollments.recordProgress(userId, content.id, Number.NaN);
          },
        },
        {
          name: 'progress Infinity',
          code: 'VALIDATION',
          act: async () => {
            const content = await fixtures.publishedContent();
            const userId = fixtures.id();
            await store().enrollments.enroll(userId, content.id);
            return store().enrollments.recordProgress(userId, content.id, Number.POSITIVE_INFINITY);
          },
        },
        {
          name: 'expectedVersion NaN',
          code: 'VALIDATION',
          act: async () => store().users.update((await user()).id, {}, Number.NaN),
        },
        {
          name: 'expectedVersion Infinity',
          code: 'VALIDATION',
          act: async () => store().users.update((await user()).id, {}, Number.POSITIVE_INFINITY),
        },
        { name: 'page limit NaN', code: 'VALIDATION', act: () => store().users.list({ limit: Number.NaN }) },
        {
          name: 'page limit Infinity',
          code: 'VALIDATION',
          act: () => store().users.list({ limit: Number.POSITIVE_INFINITY }),
        },
        { name: 'capacity NaN', code: 'VALIDATION', act: () => fixtures.event({ capacity: Number.NaN }) },
        {
          name: 'capacity Infinity',
          code: 'VALIDATION',
          act: () => fixtures.event({ capacity: Number.POSITIVE_INFINITY }),
        },
        {
          name: 'capacity raised to Infinity',
          code: 'VALIDATION',
          act: async () => {
            const event = await fixtures.event();
            return store().events.update(event.id, { capacity: Number.POSITIVE_INFINITY }, event.version);
          },
        },
        {
          name: 'a NaN metadata value',
          code: 'VALIDATION',
          act: () => store().activity.append([fixtures.activity({ metadata: { score: Number.NaN } })]),
        },
        {
          name: 'an Infinity metadata value',
          code: 'VALIDATION',
          act: () => store().activity.append([fixtures.activity({ metadata: { score: Number.NEGATIVE_INFINITY } })]),
        },
        {
          name: 'a NaN counter in a migrated record',
          code: 'VALIDATION',
          act: () =>
            store().recordSets.activityCounts.putMany([{ day: '2026-01-01', verb: 'viewed', count: Number.NaN }]),
        },
        // Invalid Dates.
        { name: 'an invalid event start', code: 'VALIDATION', act: () => fixtures.event({ startsAt: INVALID_DATE }) },
        {
          name: 'an invalid event end in a patch',
          code: 'VALIDATION',
          act: async () => {
            const event = await fixtures.event();
            return store().events.update(event.id, { endsAt: INVALID_DATE }, event.version);
          },
        },
        {
          name: 'an invalid listUpcoming from',
          code: 'VALIDATION',
          act: () => store().events.listUpcoming({ from: INVALID_DATE }),
        },
        {
          name: 'an invalid occurredAt',
          code: 'VALIDATION',
          act: () => store().activity.append([fixtures.activity({ occurredAt: INVALID_DATE })]),
        },
        {
          name: 'an invalid range start',
          code: 'VALIDATION',
          act: () => store().activity.listByActor(fixtures.id(), { from: INVALID_DATE }),
        },
        { name: 'an invalid purge cut-off', code: 'VALIDATION', act: () => store().activity.purgeBefore(INVALID_DATE) },
        {
          name: 'an invalid Date in a migrated record',
          code: 'VALIDATION',
          act: () =>
            store().recordSets.users.putMany([
              {
                id: fixtures.id(),
                email: fixtures.email(),
                displayName: 'U',
                role: 'learner',
                status: 'active',
                createdAt: INVALID_DATE,
                updatedAt: INVALID_DATE,
                version: 1,
              },
            ]),
        },
        // null and undefined.
        { name: 'users.create(null)', code: 'VALIDATION', act: () => store().users.create(null as never) },
        { name: 'users.create(undefined)', code: 'VALIDATION', act: () => store().users.create(undefined as never) },
        { name: 'users.getById(null)', code: 'VALIDATION', act: () => store().users.getById(null as never) },
        { name: 'users.getById(undefined)', code: 'VALIDATION', act: () => store().users.getById(undefined as never) },
        { name: 'users.findByEmail(null)', code: 'VALIDATION', act: () => store().users.findByEmail(null as never) },
        {
          name: 'users.update with a null patch',
          code: 'VALIDATION',
          act: async () => store().users.update((await user()).id, null as never, 1),
        },
        {
          name: 'users.update with an undefined patch',
          code: null,
          act: async () => store().users.update((await user()).id, undefined as never, 1),
        },
        {
          name: 'users.update with a null field',
          code: 'VALIDATION',
          act: async () => store().users.update((await user()).id, { displayName: null } as never, 1),
        },
        {
          name: 'users.update with a null expectedVersion',
          code: 'VALIDATION',
          act: async () => store().users.update((await user()).id, {}, null as never),
        },
        {
          name: 'users.update with an undefined expectedVersion',
          code: 'VALIDATION',
          act: async () => store().users.update((await user()).id, {}, undefined as never),
        },
        { name: 'users.list(null)', code: null, act: () => store().users.list(null as never) },
        { name: 'contents.create(null)', code: 'VALIDATION', act: () => store().contents.create(null as never) },
        { name: 'contents.listPublished(null)', code: null, act: () => store().contents.listPublished(null as never) },
        {
          name: 'enrollments.enroll(null, null)',
          code: 'VALIDATION',
          act: () => store().enrollments.enroll(null as never, null as never),
        },
        {
          name: 'enrollments.recordProgress with undefined progress',
          code: 'VALIDATION',
          act: () => store().enrollments.recordProgress(fixtures.id(), fixtures.id(), undefined as never),
        },
        {
          name: 'events.listUpcoming(undefined)',
          code: 'VALIDATION',
          act: () => store().events.listUpcoming(undefined as never),
        },
        {
          name: 'events.listRegistrations with a null filter',
          code: null,
          act: () => store().events.listRegistrations(fixtures.id(), null as never),
        },
        {
          name: 'memberships.join with a null role',
          code: null,
          act: async () => store().memberships.join((await fixtures.community()).id, fixtures.id(), null as never),
        },
        {
          name: 'posts.addComment with a null comment',
          code: 'VALIDATION',
          act: async () => store().posts.addComment((await fixtures.post()).id, null as never),
        },
        {
          name: 'posts.react with a null kind',
          code: 'VALIDATION',
          act: async () => store().posts.react((await fixtures.post()).id, fixtures.id(), null as never),
        },
        {
          name: 'activity.append(undefined)',
          code: 'VALIDATION',
          act: () => store().activity.append(undefined as never),
        },
        { name: 'activity.append([null])', code: 'VALIDATION', act: () => store().activity.append([null] as never) },
        {
          name: 'activity.listByObject(null)',
          code: 'VALIDATION',
          act: () => store().activity.listByObject(null as never),
        },
        {
          name: 'activity.dailyCounts(null)',
          code: 'VALIDATION',
          act: () => store().activity.dailyCounts(null as never),
        },
        {
          name: 'activity.purgeBefore(null)',
          code: 'VALIDATION',
          act: () => store().activity.purgeBefore(null as never),
        },
        {
          name: 'recordSets.users.putMany([null])',
          code: 'VALIDATION',
          act: () => store().recordSets.users.putMany([null] as never),
        },
        {
          name: 'recordSets.posts.putMany(undefined)',
          code: 'VALIDATION',
          act: () => store().recordSets.posts.putMany(undefined as never),
        },
      ];
      it.each(cases)('for $name', async ({ act, code }) => {
        await expectOnlyCohortErrors(act, code);
      });
    });
  });
}
