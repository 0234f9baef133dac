import {
  CohortError,
  activityEventSchema,
  commentSchema,
  communitySchema,
  contentSchema,
  dailyCountSchema,
  enrollmentSchema,
  eventSchema,
  membershipSchema,
  newId,
  postSchema,
  reactionSchema,
  registrationSchema,
  userSchema,
} from '@cohort/core';
import { describe, expect, it } from 'vitest';
import { activityFromEntity, dailyCountFromEntity } from '../src/activity/activity.mapper.js';
import {
  commentFromEntity,
  communityFromEntity,
  membershipFromEntity,
  postFromEntity,
  reactionFromEntity,
} from '../src/community/community.mapper.js';
import { contentFromEntity, enrollmentFromEntity } from '../src/content/content.mapper.js';
import { eventFromEntity, registrationFromEntity } from '../src/events/event.mapper.js';
import { userFromEntity } from '../src/users/user.mapper.js';

/**
 * The row mappers check stored values by hand instead of parsing each row with its core schema. Here every mapper
 * meets its core schema value by value: each field of a valid row is replaced, in turn, by every value its column
 * type can hand back (boundary lengths, stray spaces and capitals, out-of-range numbers, infinite timestamps, odd
 * jsonb), and the mapper must accept exactly what the schema accepts and return what the schema returns. Values a
 * column cannot hold (NUL in text, a non-canonical uuid) are left out: that is what the mappers rely on.
 */

type Row = Record<string, unknown>;
type ColumnType =
  'uuid' | 'uuid?' | 'text' | 'text[]' | 'integer' | 'bigint' | 'timestamptz' | 'timestamptz?' | 'jsonb' | 'day';

interface Parser {
  safeParse(value: unknown): { success: boolean; data?: unknown };
}

interface Case {
  readonly name: string;
  readonly schema: Parser;
  readonly fromEntity: (row: never) => unknown;
  readonly valid: Row;
  readonly columns: Record<string, ColumnType>;
  /** The object the core schema parses for a row (what the adapter parsed before the mappers). */
  readonly toDomain?: (row: Row) => unknown;
}

const at = new Date('2030-05-01T10:00:00.123Z');
const later = new Date('2030-05-01T12:00:00.000Z');

/** Lengths around every min and max of the schemas' text fields, plain and padded with spaces. */
const lengths = [0, 1, 2, 40, 41, 60, 61, 64, 65, 100, 101, 120, 121, 200, 201, 254, 255, 2000, 2001, 2048, 2049];
const longTexts = [...lengths, 5000, 5001, 10_000, 10_001].flatMap((length) => {
  const plain = 'x'.repeat(length);
  return [plain, ` ${plain} `, `\t${plain}\n`];
});

const candidates: Record<ColumnType, readonly unknown[]> = {
  uuid: [newId(), '00000000-0000-0000-0000-000000000000'],
  'uuid?': [newId(), null],
  text: [
    ...longTexts,
    ' ',
    'a',
    'A',
    ' a ',
    'Learner',
    'learner',
    'admin',
    'manager',
    'active',
    'deactivated',
    'course',
    'published',
    'draft',
    'archived',
    'scheduled',
    'cancelled',
    'registered',
    'waitlisted',
    'attended',
    'enrolled',
    'completed',
    'public',
    'private',
    'owner',
    'moderator',
    'member',
    'like',
    'support',
    'viewed',
    'signed_in',
    'content',
    'comment',
    'user@example.com',
    ' User@Example.COM ',
    'not an email',
    'a@b',
    'my-tag',
    'My-Tag',
    '-tag',
    'tag-',
    'a_b',
    'été',
    'x😀y',
    '\u00a0x\u00a0',
  ],
  'text[]': [
    [],
    ['a'],
    ['A'],
    [' a '],
    ['a', 'a'],
    ['a', 'A'],
    ['bad tag'],
    ['-a'],
    ['x'.repeat(40)],
    ['x'.repeat(41)],
    Array.from({ length: 20 }, (_, i) => `t${i}`),
    Array.from({ length: 21 }, (_, i) => `t${i}`),
  ],
  integer: [0, 1, -1, 2, 99, 100, 101, 99_999, 100_000, 100_001, 2_147_483_647, -2_147_483_648],
  bigint: ['0', '1', '-1', '42', '9007199254740991', '9007199254740993'],
  timestamptz: [at, later, new Date(-62_135_596_800_000), new Date(253_402_300_799_999), Infinity, -Infinity],
  'timestamptz?': [at, later, null, Infinity],
  jsonb: [
    {},
    { a: 1 },
    { 'a.b_c-D9': 'x' },
    { a: true },
    { a: null },
    { a: [1] },
    { a: {} },
    { '': 1 },
    { 'bad key': 1 },
    { ['k'.repeat(64)]: 1 },
    { ['k'.repeat(65)]: 1 },
    { a: 'x'.repeat(2040) },
    { a: 'x'.repeat(2048) },
    { a: 'é'.repeat(1100) },
    Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, i])),
    JSON.parse('{"__proto__": 1}') as unknown,
    JSON.parse('{"constructor": "x"}') as unknown,
    JSON.parse('{"prototype": true}') as unknown,
    JSON.parse('{"a": 1e400}') as unknown,
    [],
    [1],
    'text',
    7,
    null,
  ],
  day: ['2025-01-01', '0001-01-01', '9999-12-31', '10000-01-01'],
};

const cases: Case[] = [
  {
    name: 'user',
    schema: userSchema,
    fromEntity: userFromEntity,
    valid: {
      id: newId(),
      email: 'user@example.com',
      displayName: 'User',
      role: 'learner',
      status: 'active',
      createdAt: at,
      updatedAt: later,
      version: 1,
    },
    columns: {
      id: 'uuid',
      email: 'text',
      displayName: 'text',
      role: 'text',
      status: 'text',
      createdAt: 'timestamptz',
      updatedAt: 'timestamptz',
      version: 'integer',
    },
  },
  {
    name: 'content',
    schema: contentSchema,
    fromEntity: contentFromEntity,
    valid: {
      id: newId(),
      kind: 'course',
      title: 'Title',
      summary: '',
      authorId: newId(),
      tags: ['a', 'b-c'],
      status: 'published',
      publishedAt: at,
      createdAt: at,
      updatedAt: later,
      version: 3,
    },
    columns: {
      id: 'uuid',
      kind: 'text',
      title: 'text',
      summary: 'text',
      authorId: 'uuid',
      tags: 'text[]',
      status: 'text',
      publishedAt: 'timestamptz?',
      createdAt: 'timestamptz',
      updatedAt: 'timestamptz',
      version: 'integer',
    },
  },
  {
    name: 'enrollment',
    schema: enrollmentSchema,
    fromEntity: enrollmentFromEntity,
    valid: {
      userId: newId(),
      contentId: newId(),
      progress: 40,
      status: 'enrolled',
      enrolledAt: at,
      completedAt: null,
      updatedAt: later,
    },
    columns: {
      userId: 'uuid',
      contentId: 'uuid',
      progress: 'integer',
      status: 'text',
      enrolledAt: 'timestamptz',
      completedAt: 'timestamptz?',
      updatedAt: 'timestamptz',
    },
  },
  {
    name: 'event',
    schema: eventSchema,
    fromEntity: eventFromEntity,
    valid: {
      id: newId(),
      title: 'Event',
      description: '',
      hostId: newId(),
      communityId: null,
      startsAt: at,
      endsAt: later,
      capacity: 100,
      registeredCount: 99,
      waitlistCount: 2,
      status: 'scheduled',
      createdAt: at,
      updatedAt: later,
      version: 1,
    },
    columns: {
      id: 'uuid',
      title: 'text',
      description: 'text',
      hostId: 'uuid',
      communityId: 'uuid?',
      startsAt: 'timestamptz',
      endsAt: 'timestamptz',
      capacity: 'integer',
      registeredCount: 'integer',
      waitlistCount: 'integer',
      status: 'text',
      createdAt: 'timestamptz',
      updatedAt: 'timestamptz',
      version: 'integer',
    },
  },
  {
    name: 'registration',
    schema: registrationSchema,
    fromEntity: registrationFromEntity,
    valid: {
      eventId: newId(),
      userId: newId(),
      status: 'registered',
      position: 1,
      registeredAt: at,
      updatedAt: later,
    },
    columns: {
      eventId: 'uuid',
      userId: 'uuid',
      status: 'text',
      position: 'integer',
      registeredAt: 'timestamptz',
      updatedAt: 'timestamptz',
    },
  },
  {
    name: 'community',
    schema: communitySchema,
    fromEntity: communityFromEntity,
    valid: {
      id: newId(),
      slug: 'my-community',
      name: 'Community',
      description: '',
      visibility: 'public',
      ownerId: newId(),
      memberCount: 0,
      createdAt: at,
      updatedAt: later,
      version: 2,
    },
    columns: {
      id: 'uuid',
      slug: 'text',
      name: 'text',
      description: 'text',
      visibility: 'text',
      ownerId: 'uuid',
      memberCount: 'integer',
      createdAt: 'timestamptz',
      updatedAt: 'timestamptz',
      version: 'integer',
    },
  },
  {
    name: 'membership',
    schema: membershipSchema,
    fromEntity: membershipFromEntity,
    valid: { communityId: newId(), userId: newId(), role: 'member', joinedAt: at },
    columns: { communityId: 'uuid', userId: 'uuid', role: 'text', joinedAt: 'timestamptz' },
  },
  {
    name: 'post',
    schema: postSchema,
    fromEntity: postFromEntity,
    valid: {
      id: newId(),
      communityId: newId(),
      authorId: newId(),
      body: 'Hello',
      commentCount: 0,
      likeCount: 1,
      celebrateCount: 2,
      insightfulCount: 3,
      supportCount: 4,
      createdAt: at,
      updatedAt: later,
      version: 1,
    },
    columns: {
      id: 'uuid',
      communityId: 'uuid',
      authorId: 'uuid',
      body: 'text',
      commentCount: 'integer',
      likeCount: 'integer',
      celebrateCount: 'integer',
      insightfulCount: 'integer',
      supportCount: 'integer',
      createdAt: 'timestamptz',
      updatedAt: 'timestamptz',
      version: 'integer',
    },
    toDomain: ({ likeCount, celebrateCount, insightfulCount, supportCount, ...rest }) => ({
      ...rest,
      reactionCounts: {
        like: likeCount,
        celebrate: celebrateCount,
        insightful: insightfulCount,
        support: supportCount,
      },
    }),
  },
  {
    name: 'comment',
    schema: commentSchema,
    fromEntity: commentFromEntity,
    valid: { id: newId(), postId: newId(), authorId: newId(), body: 'Hi', createdAt: at },
    columns: { id: 'uuid', postId: 'uuid', authorId: 'uuid', body: 'text', createdAt: 'timestamptz' },
  },
  {
    name: 'reaction',
    schema: reactionSchema,
    fromEntity: reactionFromEntity,
    valid: { postId: newId(), userId: newId(), kind: 'like', createdAt: at },
    columns: { postId: 'uuid', userId: 'uuid', kind: 'text', createdAt: 'timestamptz' },
  },
  {
    name: 'activity event',
    schema: activityEventSchema,
    fromEntity: activityFromEntity,
    valid: {
      id: newId(),
      occurredAt: at,
      actorId: newId(),
      verb: 'viewed',
      objectType: 'content',
      objectId: 'some-id',
      metadata: { source: 'web', n: 2, ok: true },
    },
    columns: {
      id: 'uuid',
      occurredAt: 'timestamptz',
      actorId: 'uuid',
      verb: 'text',
      objectType: 'text',
      objectId: 'text',
      metadata: 'jsonb',
    },
    toDomain: ({ objectType, objectId, ...rest }) => ({ ...rest, object: { type: objectType, id: objectId } }),
  },
  {
    name: 'daily count',
    schema: dailyCountSchema,
    fromEntity: dailyCountFromEntity,
    valid: { day: '2030-05-01', verb: 'viewed', count: '12' },
    columns: { day: 'day', verb: 'text', count: 'bigint' },
    // pg hands bigint over as text; the adapter made it a number before parsing.
    toDomain: ({ count, ...rest }) => ({ ...rest, count: Number(count) }),
  },
];

function mapped(fromEntity: (row: never) => unknown, row: Row): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: fromEntity(row as never) };
  } catch (error) {
    expect(CohortError.is(error) && error.code).toBe('UNAVAILABLE');
    return { ok: false };
  }
}

describe.each(cases)('the $name mapper', ({ schema, fromEntity, valid, columns, toDomain = (row) => ({ ...row }) }) => {
  it('reads a valid row as its core schema does', () => {
    const expected = schema.safeParse(toDomain(valid));
    expect(expected.success).toBe(true);
    expect(fromEntity(valid as never)).toStrictEqual(expected.data);
  });

  it.each(Object.entries(columns))(
    'accepts and returns exactly what the core schema does for %s (%s)',
    (field, type) => {
      let accepted = 0;
      for (const candidate of candidates[type]) {
        const row = { ...valid, [field]: candidate };
        const expected = schema.safeParse(toDomain(row));
        const actual = mapped(fromEntity, row);
        expect({ field, candidate, ok: actual.ok }).toStrictEqual({ field, candidate, ok: expected.success });
        if (actual.ok) {
          expect(actual.value).toStrictEqual(expected.data);
          accepted += 1;
        }
      }
      // Every field takes at least the valid row's own value, so a candidate list cannot be rejected wholesale.
      expect(accepted).toBeGreaterThan(0);
    },
  );
});
