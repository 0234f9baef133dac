import { describe, expect, it } from 'vitest';
import { CohortError, MAX_INSTANT, MIN_INSTANT, dayOf, daySchema } from '../src/index.js';
import { parseId, parseInput } from '../src/adapter.js';
import { instant } from '../src/shared/instant.js';
import { z } from 'zod';

function validationOf(action: () => unknown): CohortError {
  try {
    action();
  } catch (error) {
    if (CohortError.is(error, 'VALIDATION')) return error;
    throw error;
  }
  throw new Error('expected a VALIDATION error');
}

const boom = (): never => {
  throw new Error('the caller threw');
};
const at = new Date('2026-04-05T06:07:08.009Z');
const schema = z.object({ when: instant(), tags: z.array(z.string()).optional() }).strict();

describe('instants', () => {
  it('span 0001-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z', () => {
    expect(new Date(MIN_INSTANT).toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(new Date(MAX_INSTANT).toISOString()).toBe('9999-12-31T23:59:59.999Z');
  });

  it.each([MIN_INSTANT, MAX_INSTANT])('take the edge %s as a fresh Date', (time) => {
    const given = new Date(time);
    const parsed = parseInput(schema, { when: given }, 'x').when;
    expect(parsed.getTime()).toBe(time);
    expect(parsed).not.toBe(given);
  });

  it.each([MIN_INSTANT - 1, MAX_INSTANT + 1, -8.64e15, 8.64e15, Date.UTC(-5000, 0, 1), Date.UTC(275760, 0, 1)])(
    'refuse %s ms with VALIDATION on the field',
    (time) => {
      expect(validationOf(() => parseInput(schema, { when: new Date(time) }, 'x')).issues[0]?.path).toEqual(['when']);
    },
  );

  it('read a genuine Date by its time value, never by its own methods', () => {
    const liar = new Date(at.getTime());
    Object.defineProperties(liar, {
      getTime: { value: () => 0 },
      toISOString: { value: boom },
      valueOf: { value: boom },
    });
    const parsed = parseInput(schema, { when: liar }, 'x').when;
    expect(parsed.getTime()).toBe(at.getTime());
    expect(dayOf(parsed)).toBe('2026-04-05');
  });

  it.each([
    ['a Proxy of a Date', new Proxy(new Date(at.getTime()), {})],
    ['a Proxy of a Date whose traps throw', new Proxy(new Date(at.getTime()), { getPrototypeOf: boom, get: boom })],
    ['an object inheriting from Date.prototype', Object.create(Date.prototype) as unknown],
    [
      'an Invalid Date whose methods claim a valid time',
      Object.defineProperties(new Date(Number.NaN), { getTime: { value: () => 0 }, toISOString: { value: () => '' } }),
    ],
    ['a number', at.getTime()],
    ['an ISO string', at.toISOString()],
  ])('refuse %s with VALIDATION on the field', (_name, value) => {
    expect(validationOf(() => parseInput(schema, { when: value }, 'x')).issues[0]?.path).toEqual(['when']);
  });

  it('give days from 0001-01-01 to 9999-12-31 and refuse year 0', () => {
    expect(dayOf(new Date(MIN_INSTANT))).toBe('0001-01-01');
    expect(dayOf(new Date(MAX_INSTANT))).toBe('9999-12-31');
    expect(daySchema.safeParse('0001-01-01').success).toBe(true);
    expect(daySchema.safeParse('9999-12-31').success).toBe(true);
    for (const day of ['0000-12-31', '10000-01-01', '+010000-01-01'])
      expect(daySchema.safeParse(day).success).toBe(false);
  });

  it('dayOf answers VALIDATION, not a RangeError, outside the range or for a Proxy', () => {
    validationOf(() => dayOf(new Date(8.64e15)));
    validationOf(() => dayOf(new Date(Number.NaN)));
    validationOf(() => dayOf(new Proxy(new Date(), {})));
  });
});

describe('reading untrusted input', () => {
  it('turns a getter that throws into VALIDATION naming its field', () => {
    const input = Object.defineProperty({}, 'when', { get: boom, enumerable: true });
    expect(validationOf(() => parseInput(schema, input, 'x')).issues).toEqual([
      { path: ['when'], message: 'could not be read: reading it threw' },
    ]);
  });

  it('turns a throwing array item into VALIDATION naming its index', () => {
    const tags = Object.defineProperty(['a', 'b'], 1, { get: boom });
    expect(validationOf(() => parseInput(schema, { when: at, tags }, 'x')).issues[0]?.path).toEqual(['tags', 1]);
  });

  it('turns a Proxy whose traps throw, and a revoked Proxy, into VALIDATION', () => {
    const traps = { get: boom, ownKeys: boom, getPrototypeOf: boom, getOwnPropertyDescriptor: boom, has: boom };
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    for (const value of [new Proxy({ when: at }, traps), proxy, new Proxy([], traps)]) {
      validationOf(() => parseInput(schema, value, 'x'));
      validationOf(() => parseInput(schema, { when: at, tags: value }, 'x'));
      validationOf(() => parseId(value));
    }
  });

  it('reads each getter once, so a value cannot change between the check and the use', () => {
    let reads = 0;
    const input = Object.defineProperty({}, 'when', {
      get: () => (reads++ === 0 ? at : 'not a date'),
      enumerable: true,
    });
    expect(parseInput(schema, input, 'x').when.getTime()).toBe(at.getTime());
    expect(reads).toBe(1);
  });

  it('takes a transparent Proxy of plain data as the data', () => {
    expect(parseInput(schema, new Proxy({ when: at }, {}), 'x').when.getTime()).toBe(at.getTime());
  });

  it('refuses arrays longer than any port takes without walking them', () => {
    const error = validationOf(() => parseInput(z.array(z.number()), new Array(1e9), 'x'));
    expect(error.issues[0]?.path).toEqual([]);
  });
});
