import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { CohortError, createEventInputSchema } from '../src/index.js';
import { parseInput } from '../src/adapter.js';

function validationOf(action: () => unknown): CohortError {
  try {
    action();
  } catch (error) {
    if (CohortError.is(error, 'VALIDATION')) return error;
    throw error;
  }
  throw new Error('expected a VALIDATION error');
}

describe('parseInput', () => {
  it('returns the parsed output (defaults and transforms applied)', () => {
    const schema = z.object({ name: z.string().trim(), n: z.number().default(3) });
    expect(parseInput(schema, { name: '  a ' }, 'thing')).toEqual({ name: 'a', n: 3 });
  });

  it('turns every zod issue into a VALIDATION issue with its path', () => {
    const schema = z.object({ user: z.object({ email: z.email() }), tags: z.array(z.string().min(2)) });
    const error = validationOf(() => parseInput(schema, { user: { email: 'nope' }, tags: ['ok', 'x'] }, 'profile'));
    expect(error.issues.map((issue) => issue.path)).toEqual([
      ['user', 'email'],
      ['tags', 1],
    ]);
    expect(error.message).toMatch(/^Invalid profile: /);
    expect(error.message).toContain('user.email');
    expect(error.message).toContain('tags.1');
  });

  it('reports refinements on the path they name', () => {
    const at = new Date('2030-01-01T10:00:00Z');
    const error = validationOf(() =>
      parseInput(
        createEventInputSchema,
        { title: 'x', hostId: '0190a8f2-1234-7abc-8def-0123456789ab', startsAt: at, endsAt: at, capacity: 1 },
        'event',
      ),
    );
    expect(error.issues).toEqual([{ path: ['endsAt'], message: 'startsAt must be before endsAt' }]);
  });

  it('reports a root problem with an empty path', () => {
    const error = validationOf(() => parseInput(z.object({}), 'a string', 'input'));
    expect(error.issues[0]?.path).toEqual([]);
    expect(error.message).toContain('(root)');
  });

  it('never lets a ZodError escape', () => {
    let caught: unknown;
    try {
      parseInput(z.number(), 'x', 'n');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CohortError);
    expect(caught).not.toBeInstanceOf(z.ZodError);
  });
});

describe('parseInput with objects that are not plain data', () => {
  const patch = z.object({ name: z.string().optional(), at: z.date().optional() }).strict();

  it.each([
    ['a Date', new Date(0)],
    ['a Map', new Map([['name', 'x']])],
    ['a class instance', new (class Patch {})()],
  ])('rejects %s where an object is expected, instead of reading it as an empty patch', (_, value) => {
    const error = validationOf(() => parseInput(patch, value, 'patch'));
    expect(error.issues.map((issue) => issue.path)).toEqual([[]]);
    expect(error.issues[0]?.message).toMatch(/^expected plain data, received a /);
    expect(error.message).toMatch(/^Invalid patch: \(root\): expected plain data/);
  });

  it('names the path of a Map nested in plain data', () => {
    const schema = z.object({ tags: z.array(z.record(z.string(), z.string())) });
    const error = validationOf(() => parseInput(schema, { tags: [{}, new Map()] }, 'thing'));
    expect(error.issues.map((issue) => issue.path)).toEqual([['tags', 1]]);
  });

  it('accepts Dates below the root and objects without a prototype', () => {
    const bare = Object.assign(Object.create(null) as object, { name: 'a', at: new Date(5) });
    expect(parseInput(patch, bare, 'patch')).toEqual({ name: 'a', at: new Date(5) });
  });
});
