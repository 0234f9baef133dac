import {
  recordSetNames,
  type CohortError,
  type CohortStore,
  type Community,
  type Content,
  type Enrollment,
  type Event,
  type Membership,
  type Post,
  type RecordSetName,
  type User,
} from '@cohort/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ContractContext } from '../contract-context.js';
import { expectCohortError } from '../expect-cohort-error.js';
import { Fixtures } from '../fixtures.js';

/**
 * What a VALIDATION error must name: a field (a key of an issue's path, or a word of a message, since a scalar
 * argument such as `userId` has an empty issue path and is named by the message, as `parseId(value, 'userId')` does,
 * and zod reports an unknown key in the message), any of several names, or an exact path prefix such as
 * `[1, 'email']` for the second record of a batch. `null` asks only for VALIDATION with at least one issue.
 */
export type ValidationField = string | readonly string[] | { readonly path: readonly (string | number)[] } | null;

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function namesField(error: CohortError, field: Exclude<ValidationField, null>): boolean {
  if (typeof field === 'object' && 'path' in field) {
    return error.issues.some((issue) => field.path.every((segment, index) => issue.path[index] === segment));
  }
  const words = typeof field === 'string' ? [field] : field;
  return words.some((word) => {
    const pattern = new RegExp(`(^|[^A-Za-z0-9_])${escapeRegExp(word)}([^A-Za-z0-9_]|$)`);
    return (
      error.issues.some((issue) => issue.path.includes(word) || pattern.test(issue.message)) ||
      pattern.test(error.message)
    );
  });
}

/** Asserts a VALIDATION CohortError with plain, field-level issues that name `field`; returns the error. */
export async function expectValidation(
  action: Promise<unknown> | (() => Promise<unknown>),
  field: ValidationField,
): Promise<CohortError> {
  const error = await expectCohortError(action, 'VALIDATION');
  expect(error.issues.length, `${error.message}: issues`).toBeGreaterThan(0);
  for (const issue of error.issues) {
    expect(Array.isArray(issue.path), 'issue.path is an array').toBe(true);
    expect(typeof issue.message, 'issue.message is a string').toBe('string');
  }
  if (field !== null) {
    const issues = JSON.stringify(error.issues);
    expect(namesField(error, field), `"${error.message}" ${issues} should name ${JSON.stringify(field)}`).toBe(true);
  }
  return error;
}

/** How many records each record set holds: the whole store's footprint, to prove a rejected call wrote nothing. */
export async function countRecords(store: CohortStore): Promise<Record<RecordSetName, number>> {
  const counts = await Promise.all(recordSetNames.map((name) => store.recordSets[name].count()));
  return Object.fromEntries(recordSetNames.map((name, index) => [name, counts[index]])) as Record<
    RecordSetName,
    number
  >;
}

interface Case<T> {
  readonly name: string;
  readonly field: ValidationField;
  readonly act: (subject: T) => Promise<unknown>;
}

/**
 * zod objects take any object: without a check of their own, a Date or a Map given as a patch would parse as an empty
 * patch (and still bump the version). Every update must refuse both.
 */
function notPlainPatches<T>(field: string, update: (subject: T, patch: never) => Promise<unknown>): Case<T>[] {
  return [
    { name: 'a patch that is a Date', field: 'patch', act: (subject) => update(subject, new Date() as never) },
    {
      name: 'a patch that is a Map',
      field: 'patch',
      act: (subject) => update(subject, new Map([[field, 'B']]) as never),
    },
  ];
}

const long = (length: number): string => 'x'.repeat(length);
const MALFORMED_ID = 'not-a-uuid';
const HOUR = 3_600_000;

export function validationContract(context: ContractContext): void {
  // Rejected writes are checked against the record counts of the whole store, so this group works on a store of
  // its own that no other group writes to (its tests run one after another, like every test of a file).
  let isolated: CohortStore | undefined;
  const store = (): CohortStore => {
    if (!isolated) throw new Error('The validation store is only available inside tests and hooks');
    return isolated;
  };
  const fx = new Fixtures(store, context.clock);

  /** Runs a write that must fail validation, then checks that no record set changed and `readBack` reads the same. */
  async function rejectsWithoutWriting(
    act: () => Promise<unknown>,
    field: ValidationField,
    readBack?: () => Promise<unknown>,
  ): Promise<void> {
    const before = await countRecords(store());
    const snapshot = readBack ? await readBack() : undefined;
    await expectValidation(act, field);
    expect(await countRecords(store())).toEqual(before);
    if (readBack) expect(await readBack()).toEqual(snapshot);
  }

  const s = store;

  describe('validation', () => {
    beforeAll(async () => {
      isolated = await context.isolatedStore();
    }, 120_000);

    describe('UserRepository.create', () => {
      const cases: Case<string>[] = [
        {
          name: 'an email that is not a string',
          field: 'email',
          act: () => s().users.create({ email: 42, displayName: 'A' } as never),
        },
        {
          name: 'a malformed email',
          field: 'email',
          act: () => s().users.create({ email: 'not-an-email', displayName: 'A' }),
        },
        {
          name: 'an email over 254 characters',
          field: 'email',
          act: () => s().users.create({ email: `${long(250)}@example.com`, displayName: 'A' }),
        },
        { name: 'a missing displayName', field: 'displayName', act: (email) => s().users.create({ email } as never) },
        {
          name: 'a displayName over 100 characters',
          field: 'displayName',
          act: (email) => s().users.create({ email, displayName: long(101) }),
        },
        {
          name: 'a blank displayName',
          field: 'displayName',
          act: (email) => s().users.create({ email, displayName: '   ' }),
        },
        {
          name: 'a displayName that is not a string',
          field: 'displayName',
          act: (email) => s().users.create({ email, displayName: ['Ada'] } as never),
        },
        {
          name: 'an unknown role',
          field: 'role',
          act: (email) => s().users.create({ email, displayName: 'A', role: 'root' } as never),
        },
        {
          name: 'an id chosen by the caller (unknown key)',
          field: 'id',
          act: (email) => s().users.create({ email, displayName: 'A', id: fx.id() } as never),
        },
        {
          name: 'a status (unknown key)',
          field: 'status',
          act: (email) => s().users.create({ email, displayName: 'A', status: 'deactivated' } as never),
        },
      ];
      it.each(cases)('rejects $name with VALIDATION and stores nothing', async ({ field, act }) => {
        const email = fx.email();
        await rejectsWithoutWriting(() => act(email), field);
        expect(await s().users.findByEmail(email)).toBeNull();
      });
    });

    describe('UserRepository reads', () => {
      const cases: Case<void>[] = [
        { name: 'getById with a malformed id', field: ['id', 'userId'], act: () => s().users.getById(MALFORMED_ID) },
        { name: 'getById with a number', field: ['id', 'userId'], act: () => s().users.getById(42 as never) },
        { name: 'getById with an empty id', field: ['id', 'userId'], act: () => s().users.getById('') },
        { name: 'findByEmail with a number', field: 'email', act: () => s().users.findByEmail(42 as never) },
        {
          name: 'findByEmail with a malformed email',
          field: 'email',
          act: () => s().users.findByEmail('not-an-email'),
        },
        {
          name: 'findByEmail with an email over 254 characters',
          field: 'email',
          act: () => s().users.findByEmail(`${long(250)}@example.com`),
        },
        { name: 'list with limit 0', field: 'limit', act: () => s().users.list({ limit: 0 }) },
        { name: 'list with limit 101', field: 'limit', act: () => s().users.list({ limit: 101 }) },
        { name: 'list with a fractional limit', field: 'limit', act: () => s().users.list({ limit: 2.5 }) },
        { name: 'list with a forged cursor', field: 'cursor', act: () => s().users.list({ cursor: 'forged' }) },
        {
          name: 'list with a cursor that is not a string',
          field: 'cursor',
          act: () => s().users.list({ cursor: 42 } as never),
        },
        { name: 'list with an unknown page key', field: 'offset', act: () => s().users.list({ offset: 10 } as never) },
        { name: 'list with a Date as page request', field: 'page', act: () => s().users.list(new Date() as never) },
        {
          name: 'list with a Map as page request',
          field: 'page',
          act: () => s().users.list(new Map([['limit', 1]]) as never),
        },
      ];
      it.each(cases)('rejects $name with VALIDATION', async ({ field, act }) => {
        await expectValidation(act(), field);
      });
    });

    describe('UserRepository.update', () => {
      const cases: Case<User>[] = [
        {
          name: 'a malformed id',
          field: ['id', 'userId'],
          act: () => s().users.update(MALFORMED_ID, { displayName: 'B' }, 1),
        },
        {
          name: 'a displayName over 100 characters',
          field: 'displayName',
          act: (u) => s().users.update(u.id, { displayName: long(101) }, u.version),
        },
        {
          name: 'an empty displayName',
          field: 'displayName',
          act: (u) => s().users.update(u.id, { displayName: '' }, u.version),
        },
        {
          name: 'a malformed email',
          field: 'email',
          act: (u) => s().users.update(u.id, { email: 'nobody@' }, u.version),
        },
        {
          name: 'an unknown role',
          field: 'role',
          act: (u) => s().users.update(u.id, { role: 'root' } as never, u.version),
        },
        {
          name: 'an unknown status',
          field: 'status',
          act: (u) => s().users.update(u.id, { status: 'deleted' } as never, u.version),
        },
        {
          name: 'a createdAt (unknown key)',
          field: 'createdAt',
          act: (u) => s().users.update(u.id, { createdAt: new Date() } as never, u.version),
        },
        {
          name: 'a version (unknown key)',
          field: 'version',
          act: (u) => s().users.update(u.id, { version: 9 } as never, u.version),
        },
        {
          name: 'a patch that is not an object',
          field: 'patch',
          act: (u) => s().users.update(u.id, 'rename' as never, u.version),
        },
        ...notPlainPatches<User>('displayName', (u, patch) => s().users.update(u.id, patch, u.version)),
        {
          name: 'expectedVersion 0',
          field: 'expectedVersion',
          act: (u) => s().users.update(u.id, { displayName: 'B' }, 0),
        },
        {
          name: 'a fractional expectedVersion',
          field: 'expectedVersion',
          act: (u) => s().users.update(u.id, { displayName: 'B' }, 1.5),
        },
        {
          name: 'an expectedVersion given as a string',
          field: 'expectedVersion',
          act: (u) => s().users.update(u.id, { displayName: 'B' }, '1' as never),
        },
      ];
      it.each(cases)('rejects $name with VALIDATION and leaves the user unchanged', async ({ field, act }) => {
        const user = await fx.user({ displayName: 'Unchanged' });
        await rejectsWithoutWriting(
          () => act(user),
          field,
          () => s().users.getById(user.id),
        );
        expect(await s().users.getById(user.id)).toEqual(user);
      });
    });

    describe('ContentRepository.create', () => {
      const authorId = '0190a0b0-0000-7000-8000-000000000001';
      const cases: Case<void>[] = [
        {
          name: 'an unknown kind',
          field: 'kind',
          act: () => s().contents.create({ kind: 'podcast', title: 'T', authorId } as never),
        },
        {
          name: 'a missing title',
          field: 'title',
          act: () => s().contents.create({ kind: 'course', authorId } as never),
        },
        {
          name: 'a title over 200 characters',
          field: 'title',
          act: () => s().contents.create({ kind: 'course', title: long(201), authorId }),
        },
        {
          name: 'a summary over 2,000 characters',
          field: 'summary',
          act: () => s().contents.create({ kind: 'course', title: 'T', summary: long(2001), authorId }),
        },
        {
          name: 'a malformed authorId',
          field: 'authorId',
          act: () => s().contents.create({ kind: 'course', title: 'T', authorId: MALFORMED_ID }),
        },
        {
          name: 'tags that are not an array',
          field: 'tags',
          act: () => s().contents.create({ kind: 'course', title: 'T', authorId, tags: 'a,b' } as never),
        },
        {
          name: 'a tag with spaces',
          field: 'tags',
          act: () => s().contents.create({ kind: 'course', title: 'T', authorId, tags: ['two words'] }),
        },
        {
          name: 'more than 20 distinct tags',
          field: 'tags',
          act: () =>
            s().contents.create({
              kind: 'course',
              title: 'T',
              authorId,
              tags: Array.from({ length: 21 }, (_, i) => `t${i}`),
            }),
        },
        {
          name: 'a status (unknown key)',
          field: 'status',
          act: () => s().contents.create({ kind: 'course', title: 'T', authorId, status: 'published' } as never),
        },
        {
          name: 'a publishedAt (unknown key)',
          field: 'publishedAt',
          act: () => s().contents.create({ kind: 'course', title: 'T', authorId, publishedAt: new Date() } as never),
        },
      ];
      it.each(cases)('rejects $name with VALIDATION and stores nothing', async ({ field, act }) => {
        await rejectsWithoutWriting(() => act(), field);
      });
    });

    describe('ContentRepository.update', () => {
      const cases: Case<Content>[] = [
        {
          name: 'a malformed id',
          field: ['id', 'contentId'],
          act: () => s().contents.update(MALFORMED_ID, { title: 'B' }, 1),
        },
        { name: 'an empty title', field: 'title', act: (c) => s().contents.update(c.id, { title: '' }, c.version) },
        {
          name: 'a summary over 2,000 characters',
          field: 'summary',
          act: (c) => s().contents.update(c.id, { summary: long(2001) }, c.version),
        },
        {
          name: 'an unknown status',
          field: 'status',
          act: (c) => s().contents.update(c.id, { status: 'deleted' } as never, c.version),
        },
        {
          name: 'an invalid tag',
          field: 'tags',
          act: (c) => s().contents.update(c.id, { tags: ['Not a tag!'] }, c.version),
        },
        {
          name: 'an authorId (unknown key)',
          field: 'authorId',
          act: (c) => s().contents.update(c.id, { authorId: fx.id() } as never, c.version),
        },
        {
          name: 'a publishedAt (unknown key)',
          field: 'publishedAt',
          act: (c) => s().contents.update(c.id, { publishedAt: new Date() } as never, c.version),
        },
        ...notPlainPatches<Content>('title', (c, patch) => s().contents.update(c.id, patch, c.version)),
        {
          name: 'a negative expectedVersion',
          field: 'expectedVersion',
          act: (c) => s().contents.update(c.id, { title: 'B' }, -1),
        },
      ];
      it.each(cases)('rejects $name with VALIDATION and leaves the item unchanged', async ({ field, act }) => {
        const content = await fx.publishedContent({ tags: ['kept'] });
        await rejectsWithoutWriting(
          () => act(content),
          field,
          () => s().contents.getById(content.id),
        );
        expect(await s().contents.getById(content.id)).toEqual(content);
      });
    });

    describe('ContentRepository reads', () => {
      const cases: Case<void>[] = [
        {
          name: 'getById with a malformed id',
          field: ['id', 'contentId'],
          act: () => s().contents.getById(MALFORMED_ID),
        },
        {
          name: 'listPublished with an invalid tag',
          field: 'tag',
          act: () => s().contents.listPublished({ tag: 'not a tag' }),
        },
        {
          name: 'listPublished with a tag that is not a string',
          field: 'tag',
          act: () => s().contents.listPublished({ tag: 42 } as never),
        },
        {
          name: 'listPublished with a malformed authorId',
          field: 'authorId',
          act: () => s().contents.listPublished({ authorId: 'bob' }),
        },
        {
          name: 'listPublished with an unknown filter key',
          field: 'status',
          act: () => s().contents.listPublished({ status: 'draft' } as never),
        },
        {
          name: 'listPublished with a filter that is a Map',
          field: 'filter',
          act: () => s().contents.listPublished(new Map([['tag', 'kept']]) as never),
        },
        { name: 'listPublished with limit 0', field: 'limit', act: () => s().contents.listPublished({}, { limit: 0 }) },
      ];
      it.each(cases)('rejects $name with VALIDATION', async ({ field, act }) => {
        await expectValidation(act(), field);
      });
    });

    describe('EnrollmentRepository writes', () => {
      const cases: Case<Enrollment>[] = [
        {
          name: 'enroll with a malformed userId',
          field: 'userId',
          act: (e) => s().enrollments.enroll(MALFORMED_ID, e.contentId),
        },
        {
          name: 'enroll with a userId that is not a string',
          field: 'userId',
          act: (e) => s().enrollments.enroll(42 as never, e.contentId),
        },
        {
          name: 'enroll with a malformed contentId',
          field: 'contentId',
          act: (e) => s().enrollments.enroll(e.userId, MALFORMED_ID),
        },
        {
          name: 'recordProgress above 100',
          field: 'progress',
          act: (e) => s().enrollments.recordProgress(e.userId, e.contentId, 101),
        },
        {
          name: 'recordProgress below 0',
          field: 'progress',
          act: (e) => s().enrollments.recordProgress(e.userId, e.contentId, -1),
        },
        {
          name: 'recordProgress with a fraction',
          field: 'progress',
          act: (e) => s().enrollments.recordProgress(e.userId, e.contentId, 50.5),
        },
        {
          name: 'recordProgress with a string',
          field: 'progress',
          act: (e) => s().enrollments.recordProgress(e.userId, e.contentId, '50' as never),
        },
        {
          name: 'recordProgress with a malformed userId',
          field: 'userId',
          act: (e) => s().enrollments.recordProgress(MALFORMED_ID, e.contentId, 50),
        },
        {
          name: 'recordProgress with a malformed contentId',
          field: 'contentId',
          act: (e) => s().enrollments.recordProgress(e.userId, MALFORMED_ID, 50),
        },
      ];
      it.each(cases)('rejects $name with VALIDATION and leaves the enrollment unchanged', async ({ field, act }) => {
        const content = await fx.publishedContent();
        const userId = fx.id();
        await s().enrollments.enroll(userId, content.id);
        const enrollment = await s().enrollments.recordProgress(userId, content.id, 10);
        await rejectsWithoutWriting(
          () => act(enrollment),
          field,
          () => s().enrollments.get(userId, content.id),
        );
        expect(await s().enrollments.countsFor(content.id)).toEqual({ enrolled: 1, completed: 0 });
      });
    });

    describe('EnrollmentRepository reads', () => {
      const id = '0190a0b0-0000-7000-8000-000000000002';
      const cases: Case<void>[] = [
        { name: 'get with a malformed userId', field: 'userId', act: () => s().enrollments.get(MALFORMED_ID, id) },
        {
          name: 'get with a malformed contentId',
          field: 'contentId',
          act: () => s().enrollments.get(id, MALFORMED_ID),
        },
        {
          name: 'listByUser with a malformed userId',
          field: ['userId', 'id'],
          act: () => s().enrollments.listByUser(MALFORMED_ID),
        },
        { name: 'listByUser with limit 0', field: 'limit', act: () => s().enrollments.listByUser(id, { limit: 0 }) },
        {
          name: 'countsFor with a malformed contentId',
          field: ['contentId', 'id'],
          act: () => s().enrollments.countsFor(MALFORMED_ID),
        },
      ];
      it.each(cases)('rejects $name with VALIDATION', async ({ field, act }) => {
        await expectValidation(act(), field);
      });
    });

    describe('EventRepository.create', () => {
      const valid = () => {
        const startsAt = new Date(Date.now() + 24 * HOUR);
        return {
          title: 'Workshop',
          hostId: fx.id(),
          startsAt,
          endsAt: new Date(startsAt.getTime() + HOUR),
          capacity: 10,
        };
      };
      const create = (input: Record<string, unknown>) => s().events.create(input as never);
      const cases: Case<void>[] = [
        { name: 'a missing title', field: 'title', act: () => create({ ...valid(), title: undefined }) },
        { name: 'a title over 200 characters', field: 'title', act: () => create({ ...valid(), title: long(201) }) },
        {
          name: 'a description over 5,000 characters',
          field: 'description',
          act: () => create({ ...valid(), description: long(5001) }),
        },
        { name: 'a malformed hostId', field: 'hostId', act: () => create({ ...valid(), hostId: MALFORMED_ID }) },
        {
          name: 'a malformed communityId',
          field: 'communityId',
          act: () => create({ ...valid(), communityId: MALFORMED_ID }),
        },
        {
          name: 'a startsAt given as a string',
          field: 'startsAt',
          act: () => create({ ...valid(), startsAt: '2030-01-01T00:00:00Z' }),
        },
        { name: 'a missing endsAt', field: 'endsAt', act: () => create({ ...valid(), endsAt: undefined }) },
        {
          name: 'an endsAt equal to startsAt',
          field: 'endsAt',
          act: () => {
            const v = valid();
            return create({ ...v, endsAt: new Date(v.startsAt) });
          },
        },
        { name: 'capacity 0', field: 'capacity', act: () => create({ ...valid(), capacity: 0 }) },
        { name: 'a capacity above 100,000', field: 'capacity', act: () => create({ ...valid(), capacity: 100_001 }) },
        { name: 'a fractional capacity', field: 'capacity', act: () => create({ ...valid(), capacity: 2.5 }) },
        { name: 'a capacity given as a string', field: 'capacity', act: () => create({ ...valid(), capacity: '10' }) },
        {
          name: 'a registeredCount (unknown key)',
          field: 'registeredCount',
          act: () => create({ ...valid(), registeredCount: 3 }),
        },
      ];
      it.each(cases)('rejects $name with VALIDATION and stores nothing', async ({ field, act }) => {
        await rejectsWithoutWriting(() => act(), field);
      });
    });

    describe('EventRepository.update', () => {
      const cases: Case<Event>[] = [
        {
          name: 'a malformed id',
          field: ['id', 'eventId'],
          act: () => s().events.update(MALFORMED_ID, { title: 'B' }, 1),
        },
        { name: 'an empty title', field: 'title', act: (e) => s().events.update(e.id, { title: '' }, e.version) },
        { name: 'capacity 0', field: 'capacity', act: (e) => s().events.update(e.id, { capacity: 0 }, e.version) },
        {
          name: 'a capacity above 100,000',
          field: 'capacity',
          act: (e) => s().events.update(e.id, { capacity: 100_001 }, e.version),
        },
        {
          name: 'an endsAt before the stored startsAt',
          field: 'endsAt',
          act: (e) => s().events.update(e.id, { endsAt: new Date(e.startsAt.getTime() - 1) }, e.version),
        },
        {
          name: 'a startsAt after the stored endsAt',
          field: 'endsAt',
          act: (e) => s().events.update(e.id, { startsAt: new Date(e.endsAt.getTime() + 1) }, e.version),
        },
        {
          name: 'an unknown status',
          field: 'status',
          act: (e) => s().events.update(e.id, { status: 'postponed' } as never, e.version),
        },
        {
          name: 'a hostId (unknown key)',
          field: 'hostId',
          act: (e) => s().events.update(e.id, { hostId: fx.id() } as never, e.version),
        },
        {
          name: 'a registeredCount (unknown key)',
          field: 'registeredCount',
          act: (e) => s().events.update(e.id, { registeredCount: 0 } as never, e.version),
        },
        ...notPlainPatches<Event>('title', (e, patch) => s().events.update(e.id, patch, e.version)),
        { name: 'expectedVersion 0', field: 'expectedVersion', act: (e) => s().events.update(e.id, { title: 'B' }, 0) },
      ];
      it.each(cases)('rejects $name with VALIDATION and leaves the event unchanged', async ({ field, act }) => {
        const event = await fx.event({ capacity: 5 });
        await rejectsWithoutWriting(
          () => act(event),
          field,
          () => s().events.getById(event.id),
        );
        expect(await s().events.getById(event.id)).toEqual(event);
      });
    });

    describe('EventRepository registrations', () => {
      const cases: Case<{ event: Event; userId: string }>[] = [
        {
          name: 'register with a malformed eventId',
          field: 'eventId',
          act: ({ userId }) => s().events.register(MALFORMED_ID, userId),
        },
        {
          name: 'register with a malformed userId',
          field: 'userId',
          act: ({ event }) => s().events.register(event.id, MALFORMED_ID),
        },
        {
          name: 'register with a userId that is not a string',
          field: 'userId',
          act: ({ event }) => s().events.register(event.id, { id: 1 } as never),
        },
        {
          name: 'cancelRegistration with a malformed eventId',
          field: 'eventId',
          act: ({ userId }) => s().events.cancelRegistration(MALFORMED_ID, userId),
        },
        {
          name: 'cancelRegistration with a malformed userId',
          field: 'userId',
          act: ({ event }) => s().events.cancelRegistration(event.id, MALFORMED_ID),
        },
        {
          name: 'markAttended with a malformed eventId',
          field: 'eventId',
          act: ({ userId }) => s().events.markAttended(MALFORMED_ID, userId),
        },
        {
          name: 'markAttended with a malformed userId',
          field: 'userId',
          act: ({ event }) => s().events.markAttended(event.id, MALFORMED_ID),
        },
      ];
      it.each(cases)('rejects $name with VALIDATION and changes no registration', async ({ field, act }) => {
        const event = await fx.event({ capacity: 3 });
        const userId = fx.id();
        await s().events.register(event.id, userId);
        const readBack = async () => ({
          event: await s().events.getById(event.id),
          registration: await s().events.getRegistration(event.id, userId),
        });
        await rejectsWithoutWriting(() => act({ event, userId }), field, readBack);
      });
    });

    describe('EventRepository reads', () => {
      const id = '0190a0b0-0000-7000-8000-000000000003';
      const cases: Case<void>[] = [
        { name: 'getById with a malformed id', field: ['id', 'eventId'], act: () => s().events.getById(MALFORMED_ID) },
        { name: 'listUpcoming without from', field: 'from', act: () => s().events.listUpcoming({} as never) },
        {
          name: 'listUpcoming with from given as a string',
          field: 'from',
          act: () => s().events.listUpcoming({ from: '2030-01-01' } as never),
        },
        {
          name: 'listUpcoming with an invalid Date',
          field: 'from',
          act: () => s().events.listUpcoming({ from: new Date(Number.NaN) }),
        },
        {
          name: 'listUpcoming with a malformed communityId',
          field: 'communityId',
          act: () => s().events.listUpcoming({ from: new Date(), communityId: MALFORMED_ID }),
        },
        {
          name: 'listUpcoming with an unknown filter key',
          field: 'hostId',
          act: () => s().events.listUpcoming({ from: new Date(), hostId: id } as never),
        },
        {
          name: 'listUpcoming with a filter that is a Map',
          field: 'filter',
          act: () => s().events.listUpcoming(new Map([['from', new Date()]]) as never),
        },
        {
          name: 'listUpcoming with limit 101',
          field: 'limit',
          act: () => s().events.listUpcoming({ from: new Date() }, { limit: 101 }),
        },
        {
          name: 'getRegistration with a malformed eventId',
          field: 'eventId',
          act: () => s().events.getRegistration(MALFORMED_ID, id),
        },
        {
          name: 'getRegistration with a malformed userId',
          field: 'userId',
          act: () => s().events.getRegistration(id, MALFORMED_ID),
        },
        {
          name: 'listRegistrations with a malformed eventId',
          field: ['eventId', 'id'],
          act: () => s().events.listRegistrations(MALFORMED_ID),
        },
        {
          name: 'listRegistrations with an unknown status',
          field: 'status',
          act: () => s().events.listRegistrations(id, { status: 'gone' } as never),
        },
        {
          name: 'listRegistrations with an unknown filter key',
          field: 'userId',
          act: () => s().events.listRegistrations(id, { userId: id } as never),
        },
        {
          name: 'listRegistrations with limit 0',
          field: 'limit',
          act: () => s().events.listRegistrations(id, {}, { limit: 0 }),
        },
      ];
      it.each(cases)('rejects $name with VALIDATION', async ({ field, act }) => {
        await expectValidation(act(), field);
      });
    });

    describe('CommunityRepository.create', () => {
      const create = (input: Record<string, unknown>) =>
        s().communities.create({ slug: fx.slug(), name: 'Group', ownerId: fx.id(), ...input });
      const cases: Case<void>[] = [
        { name: 'a slug with spaces', field: 'slug', act: () => create({ slug: 'Not A Slug' }) },
        { name: 'a slug with an underscore', field: 'slug', act: () => create({ slug: `my_${fx.unique()}` }) },
        { name: 'a slug with a leading hyphen', field: 'slug', act: () => create({ slug: `-${fx.unique()}` }) },
        { name: 'a slug over 60 characters', field: 'slug', act: () => create({ slug: long(61) }) },
        { name: 'a missing name', field: 'name', act: () => create({ name: undefined }) },
        { name: 'a name over 120 characters', field: 'name', act: () => create({ name: long(121) }) },
        { name: 'a blank name', field: 'name', act: () => create({ name: ' \t ' }) },
        {
          name: 'a description over 2,000 characters',
          field: 'description',
          act: () => create({ description: long(2001) }),
        },
        { name: 'an unknown visibility', field: 'visibility', act: () => create({ visibility: 'secret' }) },
        { name: 'a malformed ownerId', field: 'ownerId', act: () => create({ ownerId: MALFORMED_ID }) },
        { name: 'a memberCount (unknown key)', field: 'memberCount', act: () => create({ memberCount: 5 }) },
      ];
      it.each(cases)('rejects $name with VALIDATION and stores nothing', async ({ field, act }) => {
        await rejectsWithoutWriting(() => act(), field);
      });
    });

    describe('CommunityRepository.update', () => {
      const cases: Case<Community>[] = [
        {
          name: 'a malformed id',
          field: ['id', 'communityId'],
          act: () => s().communities.update(MALFORMED_ID, { name: 'B' }, 1),
        },
        { name: 'an empty name', field: 'name', act: (c) => s().communities.update(c.id, { name: '' }, c.version) },
        {
          name: 'a name over 120 characters',
          field: 'name',
          act: (c) => s().communities.update(c.id, { name: long(121) }, c.version),
        },
        {
          name: 'a description over 2,000 characters',
          field: 'description',
          act: (c) => s().communities.update(c.id, { description: long(2001) }, c.version),
        },
        {
          name: 'an unknown visibility',
          field: 'visibility',
          act: (c) => s().communities.update(c.id, { visibility: 'hidden' } as never, c.version),
        },
        {
          name: 'a slug (slugs cannot change)',
          field: 'slug',
          act: (c) => s().communities.update(c.id, { slug: fx.slug() } as never, c.version),
        },
        {
          name: 'an ownerId (unknown key)',
          field: 'ownerId',
          act: (c) => s().communities.update(c.id, { ownerId: fx.id() } as never, c.version),
        },
        ...notPlainPatches<Community>('name', (c, patch) => s().communities.update(c.id, patch, c.version)),
        {
          name: 'an expectedVersion given as a string',
          field: 'expectedVersion',
          act: (c) => s().communities.update(c.id, { name: 'B' }, 'one' as never),
        },
      ];
      it.each(cases)('rejects $name with VALIDATION and leaves the community unchanged', async ({ field, act }) => {
        const community = await fx.community();
        await rejectsWithoutWriting(
          () => act(community),
          field,
          () => s().communities.getById(community.id),
        );
        expect(await s().communities.getBySlug(community.slug)).toEqual(community);
      });
    });

    describe('CommunityRepository reads', () => {
      const cases: Case<void>[] = [
        {
          name: 'getById with a malformed id',
          field: ['id', 'communityId'],
          act: () => s().communities.getById(MALFORMED_ID),
        },
        { name: 'getBySlug with an invalid slug', field: 'slug', act: () => s().communities.getBySlug('Not A Slug!') },
        { name: 'getBySlug with a number', field: 'slug', act: () => s().communities.getBySlug(42 as never) },
        { name: 'list with limit 0', field: 'limit', act: () => s().communities.list({ limit: 0 }) },
        {
          name: 'list with a forged cursor',
          field: 'cursor',
          act: () => s().communities.list({ cursor: 'eyJzIjoiYSJ9.0' }),
        },
      ];
      it.each(cases)('rejects $name with VALIDATION', async ({ field, act }) => {
        await expectValidation(act(), field);
      });
    });

    describe('MembershipRepository writes', () => {
      const cases: Case<{ community: Community; member: Membership }>[] = [
        {
          name: 'join with a malformed communityId',
          field: 'communityId',
          act: () => s().memberships.join(MALFORMED_ID, fx.id()),
        },
        {
          name: 'join with a malformed userId',
          field: 'userId',
          act: ({ community }) => s().memberships.join(community.id, MALFORMED_ID),
        },
        {
          name: 'join with an unknown role',
          field: 'role',
          act: ({ community }) => s().memberships.join(community.id, fx.id(), 'admin' as never),
        },
        {
          name: 'leave with a malformed communityId',
          field: 'communityId',
          act: ({ member }) => s().memberships.leave(MALFORMED_ID, member.userId),
        },
        {
          name: 'leave with a malformed userId',
          field: 'userId',
          act: ({ community }) => s().memberships.leave(community.id, MALFORMED_ID),
        },
        {
          name: 'setRole with an unknown role',
          field: 'role',
          act: ({ member }) => s().memberships.setRole(member.communityId, member.userId, 'boss' as never),
        },
        {
          name: 'setRole with a malformed communityId',
          field: 'communityId',
          act: ({ member }) => s().memberships.setRole(MALFORMED_ID, member.userId, 'moderator'),
        },
        {
          name: 'setRole with a malformed userId',
          field: 'userId',
          act: ({ community }) => s().memberships.setRole(community.id, MALFORMED_ID, 'moderator'),
        },
      ];
      it.each(cases)('rejects $name with VALIDATION and leaves the members unchanged', async ({ field, act }) => {
        const community = await fx.community();
        const member = await s().memberships.join(community.id, fx.id());
        const readBack = async () => ({
          community: await s().communities.getById(community.id),
          member: await s().memberships.get(community.id, member.userId),
          members: (await s().memberships.listMembers(community.id)).items,
        });
        await rejectsWithoutWriting(() => act({ community, member }), field, readBack);
      });
    });

    describe('MembershipRepository reads', () => {
      const id = '0190a0b0-0000-7000-8000-000000000004';
      const cases: Case<void>[] = [
        {
          name: 'get with a malformed communityId',
          field: 'communityId',
          act: () => s().memberships.get(MALFORMED_ID, id),
        },
        { name: 'get with a malformed userId', field: 'userId', act: () => s().memberships.get(id, MALFORMED_ID) },
        {
          name: 'listMembers with a malformed communityId',
          field: ['communityId', 'id'],
          act: () => s().memberships.listMembers(MALFORMED_ID),
        },
        { name: 'listMembers with limit 0', field: 'limit', act: () => s().memberships.listMembers(id, { limit: 0 }) },
        {
          name: 'listByUser with a malformed userId',
          field: ['userId', 'id'],
          act: () => s().memberships.listByUser(MALFORMED_ID),
        },
        {
          name: 'listByUser with limit 101',
          field: 'limit',
          act: () => s().memberships.listByUser(id, { limit: 101 }),
        },
      ];
      it.each(cases)('rejects $name with VALIDATION', async ({ field, act }) => {
        await expectValidation(act(), field);
      });
    });

    describe('PostRepository.create', () => {
      const cases: Case<Community>[] = [
        {
          name: 'a malformed communityId',
          field: 'communityId',
          act: () => s().posts.create({ communityId: MALFORMED_ID, authorId: fx.id(), body: 'Hi' }),
        },
        {
          name: 'a malformed authorId',
          field: 'authorId',
          act: (c) => s().posts.create({ communityId: c.id, authorId: MALFORMED_ID, body: 'Hi' }),
        },
        {
          name: 'an empty body',
          field: 'body',
          act: (c) => s().posts.create({ communityId: c.id, authorId: fx.id(), body: '' }),
        },
        {
          name: 'a blank body',
          field: 'body',
          act: (c) => s().posts.create({ communityId: c.id, authorId: fx.id(), body: ' \n ' }),
        },
        {
          name: 'a body over 10,000 characters',
          field: 'body',
          act: (c) => s().posts.create({ communityId: c.id, authorId: fx.id(), body: long(10_001) }),
        },
        {
          name: 'a commentCount (unknown key)',
          field: 'commentCount',
          act: (c) => s().posts.create({ communityId: c.id, authorId: fx.id(), body: 'Hi', commentCount: 3 } as never),
        },
      ];
      it.each(cases)('rejects $name with VALIDATION and stores nothing', async ({ field, act }) => {
        const community = await fx.community();
        await rejectsWithoutWriting(() => act(community), field);
        expect((await s().posts.feed(community.id)).items).toEqual([]);
      });
    });

    describe('PostRepository writes on a post', () => {
      const cases: Case<Post>[] = [
        {
          name: 'update with a malformed id',
          field: ['id', 'postId'],
          act: () => s().posts.update(MALFORMED_ID, { body: 'B' }, 1),
        },
        {
          name: 'update with an empty body',
          field: 'body',
          act: (p) => s().posts.update(p.id, { body: '' }, p.version),
        },
        {
          name: 'update with a body over 10,000 characters',
          field: 'body',
          act: (p) => s().posts.update(p.id, { body: long(10_001) }, p.version),
        },
        ...notPlainPatches<Post>('body', (p, patch) => s().posts.update(p.id, patch, p.version)),
        {
          name: 'update with an authorId (unknown key)',
          field: 'authorId',
          act: (p) => s().posts.update(p.id, { authorId: fx.id() } as never, p.version),
        },
        {
          name: 'update with expectedVersion 0',
          field: 'expectedVersion',
          act: (p) => s().posts.update(p.id, { body: 'B' }, 0),
        },
        { name: 'remove with a malformed id', field: ['id', 'postId'], act: () => s().posts.remove(MALFORMED_ID) },
        {
          name: 'addComment with a malformed postId',
          field: 'postId',
          act: () => s().posts.addComment(MALFORMED_ID, { authorId: fx.id(), body: 'Hi' }),
        },
        {
          name: 'addComment with a malformed authorId',
          field: 'authorId',
          act: (p) => s().posts.addComment(p.id, { authorId: MALFORMED_ID, body: 'Hi' }),
        },
        {
          name: 'addComment with an empty body',
          field: 'body',
          act: (p) => s().posts.addComment(p.id, { authorId: fx.id(), body: '' }),
        },
        {
          name: 'addComment with a body over 5,000 characters',
          field: 'body',
          act: (p) => s().posts.addComment(p.id, { authorId: fx.id(), body: long(5001) }),
        },
        {
          name: 'addComment with a createdAt (unknown key)',
          field: 'createdAt',
          act: (p) => s().posts.addComment(p.id, { authorId: fx.id(), body: 'Hi', createdAt: new Date() } as never),
        },
        {
          name: 'react with an unknown kind',
          field: 'kind',
          act: (p) => s().posts.react(p.id, fx.id(), 'love' as never),
        },
        {
          name: 'react with a malformed postId',
          field: 'postId',
          act: () => s().posts.react(MALFORMED_ID, fx.id(), 'like'),
        },
        {
          name: 'react with a malformed userId',
          field: 'userId',
          act: (p) => s().posts.react(p.id, MALFORMED_ID, 'like'),
        },
        {
          name: 'unreact with an unknown kind',
          field: 'kind',
          act: (p) => s().posts.unreact(p.id, fx.id(), 'love' as never),
        },
        {
          name: 'unreact with a malformed postId',
          field: 'postId',
          act: () => s().posts.unreact(MALFORMED_ID, fx.id(), 'like'),
        },
        {
          name: 'unreact with a malformed userId',
          field: 'userId',
          act: (p) => s().posts.unreact(p.id, MALFORMED_ID, 'like'),
        },
      ];
      it.each(cases)('rejects $name with VALIDATION and leaves the post unchanged', async ({ field, act }) => {
        const post = await fx.post();
        await s().posts.addComment(post.id, { authorId: fx.id(), body: 'First' });
        await s().posts.react(post.id, fx.id(), 'like');
        const readBack = async () => ({
          post: await s().posts.getById(post.id),
          comments: (await s().posts.listComments(post.id)).items,
        });
        await rejectsWithoutWriting(() => act(post), field, readBack);
      });
    });

    describe('PostRepository reads', () => {
      const id = '0190a0b0-0000-7000-8000-000000000005';
      const cases: Case<void>[] = [
        { name: 'getById with a malformed id', field: ['id', 'postId'], act: () => s().posts.getById(MALFORMED_ID) },
        {
          name: 'feed with a malformed communityId',
          field: ['communityId', 'id'],
          act: () => s().posts.feed(MALFORMED_ID),
        },
        { name: 'feed with limit 0', field: 'limit', act: () => s().posts.feed(id, { limit: 0 }) },
        {
          name: 'listComments with a malformed postId',
          field: ['postId', 'id'],
          act: () => s().posts.listComments(MALFORMED_ID),
        },
        { name: 'listComments with limit 101', field: 'limit', act: () => s().posts.listComments(id, { limit: 101 }) },
      ];
      it.each(cases)('rejects $name with VALIDATION', async ({ field, act }) => {
        await expectValidation(act(), field);
      });
    });

    describe('ActivityLog.append', () => {
      const event = (input: Record<string, unknown> = {}) => ({ ...fx.activity(), ...input });
      const append = (events: unknown) => s().activity.append(events as never);
      const cases: Case<void>[] = [
        { name: 'an unknown verb', field: { path: [0, 'verb'] }, act: () => append([event({ verb: 'danced' })]) },
        {
          name: 'a malformed actorId',
          field: { path: [0, 'actorId'] },
          act: () => append([event({ actorId: MALFORMED_ID })]),
        },
        { name: 'a malformed event id', field: { path: [0, 'id'] }, act: () => append([event({ id: MALFORMED_ID })]) },
        {
          name: 'an unknown object type',
          field: { path: [0, 'object', 'type'] },
          act: () => append([event({ object: { type: 'planet', id: 'x' } })]),
        },
        {
          name: 'an empty object id',
          field: { path: [0, 'object', 'id'] },
          act: () => append([event({ object: { type: 'post', id: '' } })]),
        },
        {
          name: 'an object id over 100 characters',
          field: { path: [0, 'object', 'id'] },
          act: () => append([event({ object: { type: 'post', id: long(101) } })]),
        },
        { name: 'a missing object', field: { path: [0, 'object'] }, act: () => append([event({ object: undefined })]) },
        {
          name: 'metadata that is a Map',
          field: { path: [0, 'metadata'] },
          act: () => append([event({ metadata: new Map([['source', 'web']]) })]),
        },
        {
          name: 'an occurredAt given as a string',
          field: { path: [0, 'occurredAt'] },
          act: () => append([event({ occurredAt: '2026-01-01T00:00:00Z' })]),
        },
        {
          name: 'a nested metadata value',
          field: { path: [0, 'metadata'] },
          act: () => append([event({ metadata: { nested: { a: 1 } } })]),
        },
        {
          name: 'a metadata key with spaces',
          field: { path: [0, 'metadata'] },
          act: () => append([event({ metadata: { 'bad key': 1 } })]),
        },
        {
          name: 'metadata over 2 KB',
          field: { path: [0, 'metadata'] },
          act: () => append([event({ metadata: { a: long(1100), b: long(1100) } })]),
        },
        { name: 'an unknown key', field: 'source', act: () => append([event({ source: 'web' })]) },
        {
          name: 'one bad event among good ones',
          field: { path: [1, 'verb'] },
          act: () => append([event(), event({ verb: 'danced' }), event()]),
        },
        { name: 'more than 1,000 events', field: null, act: () => append(Array.from({ length: 1001 }, () => event())) },
        { name: 'a batch that is not an array', field: null, act: () => append(event()) },
      ];
      it.each(cases)('rejects $name with VALIDATION and appends nothing', async ({ field, act }) => {
        const day = new Date().toISOString().slice(0, 10);
        const counts = () => s().activity.dailyCounts({ from: day, to: day });
        await rejectsWithoutWriting(() => act(), field, counts);
      });
    });

    describe('ActivityLog reads', () => {
      const id = '0190a0b0-0000-7000-8000-000000000006';
      const object = { type: 'post', id } as const;
      const cases: Case<void>[] = [
        {
          name: 'listByActor with a malformed actorId',
          field: ['actorId', 'id'],
          act: () => s().activity.listByActor(MALFORMED_ID),
        },
        {
          name: 'listByActor with from given as a string',
          field: 'from',
          act: () => s().activity.listByActor(id, { from: '2026-01-01' } as never),
        },
        {
          name: 'listByActor with from after to',
          field: 'to',
          act: () => s().activity.listByActor(id, { from: new Date(2), to: new Date(1) }),
        },
        {
          name: 'listByActor with an unknown range key',
          field: 'verb',
          act: () => s().activity.listByActor(id, { verb: 'viewed' } as never),
        },
        { name: 'listByActor with limit 0', field: 'limit', act: () => s().activity.listByActor(id, {}, { limit: 0 }) },
        {
          name: 'listByObject with an unknown type',
          field: 'type',
          act: () => s().activity.listByObject({ type: 'planet', id } as never),
        },
        {
          name: 'listByObject with an empty id',
          field: 'id',
          act: () => s().activity.listByObject({ type: 'post', id: '' }),
        },
        {
          name: 'listByObject with an unknown object key',
          field: 'name',
          act: () => s().activity.listByObject({ ...object, name: 'x' } as never),
        },
        {
          name: 'listByObject with an invalid Date in the range',
          field: 'to',
          act: () => s().activity.listByObject(object, { to: new Date(Number.NaN) }),
        },
        {
          name: 'dailyCounts with a month 13',
          field: 'from',
          act: () => s().activity.dailyCounts({ from: '2026-13-01', to: '2026-12-31' }),
        },
        {
          name: 'dailyCounts with February 30',
          field: 'to',
          act: () => s().activity.dailyCounts({ from: '2026-02-01', to: '2026-02-30' }),
        },
        {
          name: 'dailyCounts with a time instead of a day',
          field: 'from',
          act: () => s().activity.dailyCounts({ from: '2026-02-01T00:00:00Z', to: '2026-02-02' }),
        },
        {
          name: 'dailyCounts with from after to',
          field: 'to',
          act: () => s().activity.dailyCounts({ from: '2026-02-02', to: '2026-02-01' }),
        },
        {
          name: 'dailyCounts over more than 366 days',
          field: 'to',
          act: () => s().activity.dailyCounts({ from: '2025-01-01', to: '2026-01-02' }),
        },
        {
          name: 'dailyCounts with an unknown verb',
          field: 'verb',
          act: () => s().activity.dailyCounts({ from: '2026-02-01', to: '2026-02-01', verb: 'danced' } as never),
        },
        {
          name: 'dailyCounts without to',
          field: 'to',
          act: () => s().activity.dailyCounts({ from: '2026-02-01' } as never),
        },
        {
          name: 'dailyCounts with an unknown key',
          field: 'actorId',
          act: () => s().activity.dailyCounts({ from: '2026-02-01', to: '2026-02-01', actorId: id } as never),
        },
      ];
      it.each(cases)('rejects $name with VALIDATION', async ({ field, act }) => {
        await expectValidation(act(), field);
      });
    });

    describe('ActivityLog.purgeBefore', () => {
      const cases: Case<void>[] = [
        { name: 'a date given as a string', field: null, act: () => s().activity.purgeBefore('2999-01-01' as never) },
        {
          name: 'a date given as a number',
          field: null,
          act: () => s().activity.purgeBefore(32_503_680_000_000 as never),
        },
        { name: 'an invalid Date', field: null, act: () => s().activity.purgeBefore(new Date(Number.NaN)) },
      ];
      it.each(cases)('rejects $name with VALIDATION and deletes nothing', async ({ field, act }) => {
        const event = fx.activity({ occurredAt: new Date('2026-01-15T00:00:00.000Z') });
        await s().activity.append([event]);
        await rejectsWithoutWriting(
          () => act(),
          field,
          () => s().activity.listByActor(event.actorId),
        );
      });
    });

    describe('RecordSets.putMany', () => {
      const now = new Date('2026-03-01T00:00:00.000Z');
      const later = new Date('2026-03-01T01:00:00.000Z');
      type Pair = { valid: () => Record<string, unknown>; bad: Record<string, unknown>; field: (string | number)[] };
      const pairs: Record<RecordSetName, Pair> = {
        users: {
          valid: () => ({
            id: fx.id(),
            email: fx.email(),
            displayName: 'U',
            role: 'learner',
            status: 'active',
            createdAt: now,
            updatedAt: now,
            version: 1,
          }),
          bad: { version: 0 },
          field: ['version'],
        },
        contents: {
          valid: () => ({
            id: fx.id(),
            kind: 'course',
            title: 'T',
            summary: '',
            authorId: fx.id(),
            tags: [],
            status: 'draft',
            publishedAt: null,
            createdAt: now,
            updatedAt: now,
            version: 1,
          }),
          bad: { tags: ['dup', 'dup'] },
          field: ['tags'],
        },
        enrollments: {
          valid: () => ({
            userId: fx.id(),
            contentId: fx.id(),
            progress: 0,
            status: 'enrolled',
            enrolledAt: now,
            completedAt: null,
            updatedAt: now,
          }),
          bad: { progress: 101 },
          field: ['progress'],
        },
        events: {
          valid: () => ({
            id: fx.id(),
            title: 'E',
            description: '',
            hostId: fx.id(),
            communityId: null,
            startsAt: now,
            endsAt: later,
            capacity: 2,
            registeredCount: 0,
            waitlistCount: 0,
            status: 'scheduled',
            createdAt: now,
            updatedAt: now,
            version: 1,
          }),
          bad: { registeredCount: 3 },
          field: ['registeredCount'],
        },
        registrations: {
          valid: () => ({
            eventId: fx.id(),
            userId: fx.id(),
            status: 'registered',
            position: 1,
            registeredAt: now,
            updatedAt: now,
          }),
          bad: { position: 0 },
          field: ['position'],
        },
        communities: {
          valid: () => ({
            id: fx.id(),
            slug: fx.slug(),
            name: 'C',
            description: '',
            visibility: 'public',
            ownerId: fx.id(),
            memberCount: 1,
            createdAt: now,
            updatedAt: now,
            version: 1,
          }),
          bad: { memberCount: -1 },
          field: ['memberCount'],
        },
        memberships: {
          valid: () => ({ communityId: fx.id(), userId: fx.id(), role: 'member', joinedAt: now }),
          bad: { role: 'king' },
          field: ['role'],
        },
        posts: {
          valid: () => ({
            id: fx.id(),
            communityId: fx.id(),
            authorId: fx.id(),
            body: 'P',
            commentCount: 0,
            reactionCounts: { like: 0, celebrate: 0, insightful: 0, support: 0 },
            createdAt: now,
            updatedAt: now,
            version: 1,
          }),
          bad: { reactionCounts: { like: -1, celebrate: 0, insightful: 0, support: 0 } },
          field: ['reactionCounts', 'like'],
        },
        comments: {
          valid: () => ({ id: fx.id(), postId: fx.id(), authorId: fx.id(), body: 'C', createdAt: now }),
          bad: { body: 'nul\u0000inside' },
          field: ['body'],
        },
        reactions: {
          valid: () => ({ postId: fx.id(), userId: fx.id(), kind: 'like', createdAt: now }),
          bad: { kind: 'love' },
          field: ['kind'],
        },
        activity: {
          valid: () => ({
            id: fx.id(),
            actorId: fx.id(),
            verb: 'viewed',
            object: { type: 'content', id: fx.id() },
            occurredAt: now,
            metadata: {},
          }),
          bad: { occurredAt: new Date(Number.NaN) },
          field: ['occurredAt'],
        },
        activityCounts: {
          valid: () => ({ day: '2026-03-01', verb: 'viewed', count: 1 }),
          bad: { day: '2026-02-30' },
          field: ['day'],
        },
      };

      it.each(recordSetNames)('%s rejects a batch with one invalid record and writes none of it', async (name) => {
        const pair = pairs[name];
        const batch = [pair.valid(), { ...pair.valid(), ...pair.bad }];
        await rejectsWithoutWriting(() => s().recordSets[name].putMany(batch as never), { path: [1, ...pair.field] });
      });

      it('rejects a record with an unknown key', async () => {
        const valid = pairs.users.valid();
        const record = { ...valid, password: 'hunter2' };
        await rejectsWithoutWriting(() => s().recordSets.users.putMany([record] as never), 'password');
        expect(await s().users.findByEmail(valid.email as string)).toBeNull();
      });

      it('rejects a record that misses a field', async () => {
        const { email: _email, ...record } = pairs.users.valid();
        await rejectsWithoutWriting(() => s().recordSets.users.putMany([record] as never), { path: [0, 'email'] });
      });

      it('rejects more than 1,000 records and writes none of them', async () => {
        const records = Array.from({ length: 1001 }, () => pairs.users.valid());
        await rejectsWithoutWriting(() => s().recordSets.users.putMany(records as never), null);
        expect(await s().users.findByEmail(records[0]?.email as string)).toBeNull();
      });
    });
  });
}
