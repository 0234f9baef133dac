import { describe, expect, it } from 'vitest';
import { CohortError, idSchema, newId } from '../src/index.js';
import { parseId } from '../src/adapter.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The 48-bit Unix-millisecond prefix of a UUIDv7. */
const msOf = (id: string): number => Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);

describe('newId', () => {
  it('makes lower-case UUIDv7 strings', () => {
    for (let i = 0; i < 100; i += 1) expect(newId()).toMatch(UUID_V7);
  });

  it('sets the version nibble to 7 and the RFC 9562 variant bits to 10', () => {
    const hex = newId().replace(/-/g, '');
    expect(Number.parseInt(hex[12] ?? '', 16)).toBe(7);
    expect(Number.parseInt(hex[16] ?? '', 16) >> 2).toBe(0b10);
  });

  it('carries the millisecond it was made at', () => {
    const at = Date.UTC(2031, 4, 6, 7, 8, 9, 10);
    expect(msOf(newId(at))).toBe(at);
  });

  it('is strictly increasing for 10,000 ids made within one millisecond', () => {
    const at = Date.UTC(2032, 0, 1);
    const ids = Array.from({ length: 10_000 }, () => newId(at));
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => !UUID_V7.test(id))).toEqual([]);
    expect(msOf(ids[0]!)).toBe(at);
  });

  it('never goes backwards when the clock does', () => {
    const first = newId(Date.UTC(2033, 0, 1));
    const second = newId(Date.UTC(2020, 0, 1));
    expect(second > first).toBe(true);
  });
});

describe('parseId', () => {
  it('accepts any UUID, trimmed and lower-cased', () => {
    expect(parseId('  0190A8F2-1234-4ABC-8DEF-0123456789AB ')).toBe('0190a8f2-1234-4abc-8def-0123456789ab');
    expect(idSchema.safeParse(newId()).success).toBe(true);
  });

  it.each(['', 'not-a-uuid', 42, null, undefined, '0190a8f2-1234-4abc-8def-0123456789a', `${newId()}x`])(
    'rejects %j as VALIDATION naming the field',
    (value) => {
      try {
        parseId(value, 'postId');
        expect.fail('expected VALIDATION');
      } catch (error) {
        expect(CohortError.is(error, 'VALIDATION')).toBe(true);
        expect((error as CohortError).message).toContain('postId');
      }
    },
  );
});
