import { describe, expect, it } from 'vitest';
import {
  CohortError,
  MAX_APPEND_BATCH,
  newId,
  type ActivityEvent,
  type Event,
  type NewActivityEvent,
} from '../src/index.js';
import {
  admissionFor,
  advanceEnrollment,
  atExpectedVersion,
  applyContentPatch,
  applyEventPatch,
  applyUserPatch,
  dailyIncrements,
  newCommunity,
  newContent,
  newEnrollment,
  newEvent,
  newUser,
  orderDailyCounts,
  parseContentPatch,
  parseEventPatch,
  parseUserPatch,
  prepareAppend,
  seatsToPromote,
} from '../src/adapter.js';

const T0 = new Date('2030-03-01T09:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

function codeOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (CohortError.is(error)) return error.code;
    throw error;
  }
  return 'OK';
}

describe('newUser / applyUserPatch', () => {
  it('makes an active user at version 1 with a UUIDv7 id from the given time', () => {
    const user = newUser({ email: ' Ann@Example.COM ', displayName: ' Ann ' }, T0);
    expect(user).toMatchObject({
      email: 'ann@example.com',
      displayName: 'Ann',
      role: 'learner',
      status: 'active',
      createdAt: T0,
      updatedAt: T0,
      version: 1,
    });
  });

  it('bumps version and updatedAt, even for an empty patch', () => {
    const user = newUser({ email: 'a@example.com', displayName: 'A' }, T0);
    const next = applyUserPatch(user, parseUserPatch({}), at(1));
    expect(next).toEqual({ ...user, updatedAt: at(1), version: 2 });
  });

  it('never erases a field by an undefined value', () => {
    const user = newUser({ email: 'a@example.com', displayName: 'A' }, T0);
    expect(applyUserPatch(user, { displayName: undefined }, at(1)).displayName).toBe('A');
  });
});

describe('applyContentPatch', () => {
  const draft = () => newContent({ kind: 'course', title: 'Intro', authorId: newId() }, T0);

  it('makes a draft without publishedAt', () => {
    expect(draft()).toMatchObject({ status: 'draft', publishedAt: null, summary: '', tags: [], version: 1 });
  });

  it('stamps publishedAt the first time it is published, and only then', () => {
    const published = applyContentPatch(draft(), parseContentPatch({ status: 'published' }), at(1));
    expect(published).toMatchObject({ status: 'published', publishedAt: at(1), updatedAt: at(1), version: 2 });
    const archived = applyContentPatch(published, parseContentPatch({ status: 'archived' }), at(2));
    expect(archived.publishedAt).toEqual(at(1));
    const republished = applyContentPatch(archived, parseContentPatch({ status: 'published' }), at(3));
    expect(republished).toMatchObject({ status: 'published', publishedAt: at(1), version: 4 });
    const edited = applyContentPatch(republished, parseContentPatch({ title: 'Intro 2' }), at(4));
    expect(edited.publishedAt).toEqual(at(1));
  });

  it('leaves a draft unstamped when other fields change', () => {
    expect(applyContentPatch(draft(), parseContentPatch({ title: 'New' }), at(1)).publishedAt).toBeNull();
  });
});

describe('advanceEnrollment', () => {
  const fresh = () => newEnrollment(newId(), newId(), T0);

  it('starts at 0, enrolled', () => {
    expect(fresh()).toMatchObject({ progress: 0, status: 'enrolled', completedAt: null, enrolledAt: T0 });
  });

  it('moves forward and returns the same object when the progress does not increase', () => {
    const half = advanceEnrollment(fresh(), 50, at(1));
    expect(half).toMatchObject({ progress: 50, status: 'enrolled', updatedAt: at(1) });
    expect(advanceEnrollment(half, 30, at(2))).toBe(half);
    expect(advanceEnrollment(half, 50, at(2))).toBe(half);
  });

  it('completes at 100, once', () => {
    const done = advanceEnrollment(advanceEnrollment(fresh(), 40, at(1)), 100, at(2));
    expect(done).toMatchObject({ progress: 100, status: 'completed', completedAt: at(2), updatedAt: at(2) });
    expect(advanceEnrollment(done, 100, at(3))).toBe(done);
    expect(advanceEnrollment(done, 10, at(3))).toBe(done);
  });

  it('rejects malformed ids', () => {
    expect(codeOf(() => newEnrollment('nope', newId(), T0))).toBe('VALIDATION');
  });
});

describe('applyEventPatch', () => {
  const event = (overrides: Partial<Event> = {}): Event => ({
    ...newEvent({ title: 'Meetup', hostId: newId(), startsAt: at(60), endsAt: at(120), capacity: 10 }, T0),
    ...overrides,
  });

  it('makes a scheduled, empty event', () => {
    expect(event()).toMatchObject({
      registeredCount: 0,
      waitlistCount: 0,
      status: 'scheduled',
      communityId: null,
      description: '',
      version: 1,
    });
  });

  it('is VALIDATION when the new window is reversed or empty', () => {
    expect(codeOf(() => applyEventPatch(event(), parseEventPatch({ startsAt: at(130) }), at(1)))).toBe('VALIDATION');
    expect(codeOf(() => applyEventPatch(event(), parseEventPatch({ endsAt: at(60) }), at(1)))).toBe('VALIDATION');
    expect(codeOf(() => applyEventPatch(event(), parseEventPatch({ startsAt: at(0), endsAt: at(10) }), at(1)))).toBe(
      'OK',
    );
  });

  it('is CONFLICT when capacity drops below the seats taken, and allows dropping to exactly that', () => {
    const full = event({ registeredCount: 6 });
    expect(codeOf(() => applyEventPatch(full, parseEventPatch({ capacity: 5 }), at(1)))).toBe('CONFLICT');
    expect(applyEventPatch(full, parseEventPatch({ capacity: 6 }), at(1))).toMatchObject({ capacity: 6, version: 2 });
  });

  it('makes a new event with reversed times VALIDATION', () => {
    expect(
      codeOf(() => newEvent({ title: 'x', hostId: newId(), startsAt: at(2), endsAt: at(1), capacity: 1 }, T0)),
    ).toBe('VALIDATION');
  });
});

describe('seatsToPromote / admissionFor', () => {
  const base = { id: newId(), status: 'scheduled' as const };

  it.each([
    [{ capacity: 10, registeredCount: 10, waitlistCount: 5 }, 0],
    [{ capacity: 12, registeredCount: 10, waitlistCount: 5 }, 2],
    [{ capacity: 20, registeredCount: 10, waitlistCount: 5 }, 5],
    [{ capacity: 20, registeredCount: 10, waitlistCount: 0 }, 0],
    [{ capacity: 5, registeredCount: 10, waitlistCount: 3 }, 0],
  ])('%o promotes %i', (counts, expected) => {
    expect(seatsToPromote({ ...base, ...counts })).toBe(expected);
  });

  it('promotes nobody into a cancelled event', () => {
    expect(seatsToPromote({ capacity: 20, registeredCount: 0, waitlistCount: 4, status: 'cancelled' })).toBe(0);
  });

  it('seats while there is room, waitlists after, and refuses a cancelled event', () => {
    expect(admissionFor({ ...base, capacity: 2, registeredCount: 1 })).toBe('registered');
    expect(admissionFor({ ...base, capacity: 2, registeredCount: 2 })).toBe('waitlisted');
    expect(codeOf(() => admissionFor({ ...base, capacity: 2, registeredCount: 0, status: 'cancelled' }))).toBe(
      'CONFLICT',
    );
  });
});

describe('newCommunity', () => {
  it('returns the community with memberCount 1 and its owner membership', () => {
    const ownerId = newId();
    const { community, owner } = newCommunity({ slug: ' Data-Club ', name: 'Data club', ownerId }, T0);
    expect(community).toMatchObject({ slug: 'data-club', visibility: 'public', memberCount: 1, version: 1 });
    expect(owner).toEqual({ communityId: community.id, userId: ownerId, role: 'owner', joinedAt: T0 });
  });
});

describe('prepareAppend', () => {
  const event = (overrides: Partial<NewActivityEvent> = {}): NewActivityEvent => ({
    actorId: newId(),
    verb: 'viewed',
    object: { type: 'content', id: newId() },
    ...overrides,
  });

  it('fills in ids, occurredAt and metadata', () => {
    const [prepared] = prepareAppend([event()], T0);
    expect(prepared?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(prepared?.occurredAt).toEqual(T0);
    expect(prepared?.metadata).toEqual({});
  });

  it('keeps a given id and time', () => {
    const id = newId();
    const [prepared] = prepareAppend([event({ id, occurredAt: at(-5) })], T0);
    expect(prepared).toMatchObject({ id, occurredAt: at(-5) });
  });

  it('keeps the first of events sharing an id', () => {
    const id = newId();
    const prepared = prepareAppend([event({ id, verb: 'posted' }), event(), event({ id, verb: 'viewed' })], T0);
    expect(prepared).toHaveLength(2);
    expect(prepared[0]).toMatchObject({ id, verb: 'posted' });
  });

  it(`accepts ${MAX_APPEND_BATCH} events and rejects one more as VALIDATION`, () => {
    const batch = Array.from({ length: MAX_APPEND_BATCH }, () => event());
    expect(prepareAppend(batch, T0)).toHaveLength(MAX_APPEND_BATCH);
    expect(codeOf(() => prepareAppend([...batch, event()], T0))).toBe('VALIDATION');
  });

  it('rejects the whole batch for one bad event', () => {
    expect(codeOf(() => prepareAppend([event(), event({ verb: 'danced' as never })], T0))).toBe('VALIDATION');
    expect(codeOf(() => prepareAppend([event({ actorId: 'nope' })], T0))).toBe('VALIDATION');
  });
});

describe('dailyIncrements / orderDailyCounts', () => {
  const stored = (occurredAt: Date, verb: ActivityEvent['verb']): ActivityEvent => ({
    id: newId(),
    actorId: newId(),
    verb,
    object: { type: 'post', id: 'p' },
    occurredAt,
    metadata: {},
  });

  it('counts per UTC day and verb, whatever the process time zone', () => {
    const increments = dailyIncrements([
      stored(new Date('2030-03-01T23:59:59.999Z'), 'posted'),
      stored(new Date('2030-03-01T00:00:00.000Z'), 'posted'),
      stored(new Date('2030-03-02T00:00:00.000Z'), 'posted'),
      stored(new Date('2030-03-01T18:30:00.000Z'), 'commented'),
    ]);
    expect(orderDailyCounts(increments)).toEqual([
      { day: '2030-03-01', verb: 'commented', count: 1 },
      { day: '2030-03-01', verb: 'posted', count: 2 },
      { day: '2030-03-02', verb: 'posted', count: 1 },
    ]);
  });

  it('is empty for no events', () => {
    expect(dailyIncrements([])).toEqual([]);
  });

  it('orders by day then verb and drops zeros', () => {
    expect(
      orderDailyCounts([
        { day: '2030-03-02', verb: 'viewed', count: 1 },
        { day: '2030-03-01', verb: 'viewed', count: 0 },
        { day: '2030-03-01', verb: 'joined', count: 4 },
      ]),
    ).toEqual([
      { day: '2030-03-01', verb: 'joined', count: 4 },
      { day: '2030-03-02', verb: 'viewed', count: 1 },
    ]);
  });
});

describe('atExpectedVersion', () => {
  const record = { id: 'r1', version: 3 };

  it('returns the record at the version the caller read', () => {
    expect(atExpectedVersion(record, 'Post', 'r1', 3)).toBe(record);
  });

  it('is NOT_FOUND without a record and CONCURRENCY at another version, naming both', () => {
    expect(codeOf(() => atExpectedVersion(null, 'Post', 'r1', 3))).toBe('NOT_FOUND');
    expect(codeOf(() => atExpectedVersion(undefined, 'Post', 'r1', 3))).toBe('NOT_FOUND');
    expect(codeOf(() => atExpectedVersion(record, 'Post', 'r1', 2))).toBe('CONCURRENCY');
    expect(() => atExpectedVersion(record, 'Post', 'r1', 2)).toThrow('Post r1 is no longer at version 2');
  });
});
