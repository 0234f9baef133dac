import { describe, expect, it } from 'vitest';
import { CohortError, MAX_INSTANT, MIN_INSTANT } from '../src/index.js';
import {
  decodeCursor,
  decodeCursorKey,
  encodeCursor,
  parsePageRequest,
  parseScanRequest,
  toPage,
} from '../src/adapter.js';

function validationOf(action: () => unknown): CohortError {
  try {
    action();
  } catch (error) {
    if (CohortError.is(error, 'VALIDATION')) return error;
    throw error;
  }
  throw new Error('expected a VALIDATION error');
}

describe('cursors', () => {
  it('round-trips the key it was made from', () => {
    const key = [1_700_000_000_123, '0190a8f2-0000-7000-8000-000000000001', 'héllo ✓'] as const;
    const cursor = encodeCursor('posts.feed:abc', key);
    expect(decodeCursor('posts.feed:abc', cursor, ['time', 'id', 'text'])).toEqual(key);
  });

  it('is opaque URL-safe text', () => {
    const cursor = encodeCursor('activity.byActor:x::', [42, 'id']);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[0-9a-z]+$/);
  });

  it('rejects a tampered cursor as VALIDATION', () => {
    const cursor = encodeCursor('posts.feed:abc', [5, 'id']);
    const [body = '', sum = ''] = cursor.split('.');
    const flipped = body[3] === 'A' ? 'B' : 'A';
    const tampered = `${body.slice(0, 3)}${flipped}${body.slice(4)}.${sum}`;
    const error = validationOf(() => decodeCursor('posts.feed:abc', tampered, ['time', 'text']));
    expect(error.issues[0]?.path).toEqual(['cursor']);
  });

  it.each(['', 'garbage', 'a.b.c', '.', 'eyJzIjoieCJ9.0', '!!!.abc'])('rejects %j as VALIDATION', (cursor) => {
    validationOf(() => decodeCursor('posts.feed:abc', cursor, ['time', 'text']));
  });

  it('rejects a cursor from another query or another filter as VALIDATION', () => {
    const cursor = encodeCursor('posts.feed:community-a', [5, 'id']);
    expect(validationOf(() => decodeCursor('posts.feed:community-b', cursor, ['time', 'text'])).message).toMatch(
      /different query/,
    );
    validationOf(() => decodeCursor('posts.comments:community-a', cursor, ['time', 'text']));
  });

  it('rejects a key of the wrong arity as VALIDATION', () => {
    const cursor = encodeCursor('users.list', ['id']);
    validationOf(() => decodeCursor('users.list', cursor, ['text', 'text']));
    validationOf(() => decodeCursor('users.list', encodeCursor('users.list', [1, 'a', 'b']), ['time', 'text']));
  });

  describe('checks every value against its part before anyone uses it', () => {
    const id = '0190a8f2-0000-7000-8000-000000000001';
    const forged = (key: (string | number)[]) => encodeCursor('s', key);
    it.each([
      ['a time beyond Date itself', [8.64e15 + 1, id], ['time', 'id']],
      ['a time one millisecond after 9999-12-31T23:59:59.999Z', [MAX_INSTANT + 1, id], ['time', 'id']],
      ['a time one millisecond before 0001-01-01', [MIN_INSTANT - 1, id], ['time', 'id']],
      ['a fractional time', [0.5, id], ['time', 'id']],
      ['a time given as text', ['1700000000000', id], ['time', 'id']],
      ['an id that is no UUID', [0, 'x'], ['time', 'id']],
      ['an upper-case id', [0, id.toUpperCase()], ['time', 'id']],
      ['a negative position', [-1, id], ['int', 'id']],
      ['a position beyond 32 bits', [2 ** 31, id], ['int', 'id']],
      ['empty text', [''], ['text']],
      ['text with NUL', ['a\u0000'], ['text']],
      ['text over 1,024 characters', ['x'.repeat(1025)], ['text']],
    ] as const)('%s is VALIDATION', (_name, key, parts) => {
      const error = validationOf(() => decodeCursor('s', forged([...key]), parts));
      expect(error.issues[0]?.path).toEqual(['cursor']);
    });

    it('takes both edges of the instant range and the largest position', () => {
      expect(decodeCursor('s', forged([MIN_INSTANT, MAX_INSTANT]), ['time', 'time'])).toEqual([
        MIN_INSTANT,
        MAX_INSTANT,
      ]);
      expect(decodeCursor('s', forged([2 ** 31 - 1, id]), ['int', 'id'])).toEqual([2 ** 31 - 1, id]);
    });

    it('decodeCursorKey reads raw values for positions that are not list keys', () => {
      expect(decodeCursorKey('s', forged([8.64e15 + 1, '']), 2)).toEqual([8.64e15 + 1, '']);
    });
  });
});

describe('page requests', () => {
  it('read an absent or null cursor as the first page and refuse the empty string', () => {
    expect(parsePageRequest({ cursor: null }).cursor).toBeNull();
    expect(parsePageRequest(undefined).cursor).toBeUndefined();
    expect(validationOf(() => parsePageRequest({ cursor: '' })).issues[0]?.path).toEqual(['cursor']);
    expect(validationOf(() => parseScanRequest({ cursor: '' })).issues[0]?.path).toEqual(['cursor']);
  });
});

describe('toPage', () => {
  const keyOf = (row: { at: number; id: string }) => [row.at, row.id] as const;
  const rows = Array.from({ length: 6 }, (_, i) => ({ at: 1000 + i, id: `id-${i}` }));

  it('with limit + 1 rows returns limit items and a cursor at the last item', () => {
    const page = toPage(rows, 5, 'scope', keyOf);
    expect(page.items).toEqual(rows.slice(0, 5));
    expect(page.nextCursor).not.toBeNull();
    expect(decodeCursor('scope', page.nextCursor ?? '', ['time', 'text'])).toEqual([1004, 'id-4']);
  });

  it('with exactly limit rows ends the list', () => {
    expect(toPage(rows.slice(0, 5), 5, 'scope', keyOf)).toEqual({ items: rows.slice(0, 5), nextCursor: null });
  });

  it('with fewer rows, or none, ends the list', () => {
    expect(toPage(rows.slice(0, 2), 5, 'scope', keyOf).nextCursor).toBeNull();
    expect(toPage([], 5, 'scope', keyOf)).toEqual({ items: [], nextCursor: null });
  });

  it('copies the rows it is given', () => {
    const input = rows.slice(0, 2);
    const page = toPage(input, 5, 'scope', keyOf);
    expect(page.items).not.toBe(input);
  });
});

describe('parsePageRequest', () => {
  it('defaults the limit to 20 and accepts 1..100', () => {
    expect(parsePageRequest(undefined)).toEqual({ limit: 20 });
    expect(parsePageRequest({ limit: 1 }).limit).toBe(1);
    expect(parsePageRequest({ limit: 100, cursor: 'c' })).toEqual({ limit: 100, cursor: 'c' });
  });

  it.each([0, 101, 1.5, -1, Number.NaN])('rejects limit %s as VALIDATION', (limit) => {
    const error = validationOf(() => parsePageRequest({ limit }));
    expect(error.issues[0]?.path).toEqual(['limit']);
  });

  it('rejects unknown keys', () => {
    validationOf(() => parsePageRequest({ offset: 10 } as never));
  });
});
