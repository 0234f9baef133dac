import { describe, expect, it } from 'vitest';
import { CohortError, type CohortErrorCode } from '../src/index.js';

const codes: CohortErrorCode[] = [
  'VALIDATION',
  'NOT_FOUND',
  'CONFLICT',
  'CONCURRENCY',
  'FORBIDDEN',
  'UNAVAILABLE',
  'POSITION_LOST',
];

describe('CohortError.is', () => {
  it('recognizes a CohortError, and filters by code', () => {
    const error = CohortError.notFound('User', 'u1');
    expect(CohortError.is(error)).toBe(true);
    expect(CohortError.is(error, 'NOT_FOUND')).toBe(true);
    expect(CohortError.is(error, 'CONFLICT')).toBe(false);
  });

  it('rejects plain errors, look-alikes with a code, and non-objects', () => {
    expect(CohortError.is(new Error('boom'))).toBe(false);
    expect(CohortError.is({ code: 'NOT_FOUND', name: 'CohortError', message: 'x' })).toBe(false);
    expect(CohortError.is(Object.assign(new Error('x'), { code: 'NOT_FOUND' }), 'NOT_FOUND')).toBe(false);
    for (const value of [null, undefined, 'NOT_FOUND', 42]) expect(CohortError.is(value)).toBe(false);
  });

  it('recognizes an error made by another copy of the module (the brand is a registry symbol)', () => {
    // What a second copy of @cohort/core in the same process would construct: another class, the same brand.
    const brand = Symbol.for('@cohort/core/CohortError');
    const foreign: unknown = Object.assign(new Error('taken'), { code: 'CONFLICT', [brand]: true });
    expect(foreign instanceof CohortError).toBe(false);
    expect(CohortError.is(foreign)).toBe(true);
    expect(CohortError.is(foreign, 'CONFLICT')).toBe(true);
  });

  it('does not recognize a structured clone, which drops the symbol brand', () => {
    expect(CohortError.is(structuredClone(CohortError.conflict('x')))).toBe(false);
  });
});

describe('CohortError', () => {
  it('is an Error named CohortError with a stable code', () => {
    const error = new CohortError('FORBIDDEN', 'no');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('CohortError');
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toBe('no');
    expect(error.issues).toEqual([]);
  });

  it.each(codes)('%s is retryable only when UNAVAILABLE', (code) => {
    expect(new CohortError(code, 'x').retryable).toBe(code === 'UNAVAILABLE');
  });

  it('keeps the cause it translates', () => {
    const driverError = new Error('ECONNREFUSED');
    expect(CohortError.unavailable('store down', driverError).cause).toBe(driverError);
    expect(CohortError.conflict('taken', driverError).cause).toBe(driverError);
    expect(new CohortError('CONCURRENCY', 'x', { cause: driverError }).cause).toBe(driverError);
    expect(new CohortError('CONFLICT', 'x').cause).toBeUndefined();
    expect('cause' in CohortError.conflict('no cause')).toBe(false);
  });

  it('has factories for every code', () => {
    expect(CohortError.validation('bad', [{ path: ['a'], message: 'm' }]).issues).toEqual([
      { path: ['a'], message: 'm' },
    ]);
    expect(CohortError.notFound('Post', 'p1').message).toContain('p1');
    expect(CohortError.concurrency('User', 'u1', 3).code).toBe('CONCURRENCY');
    expect(CohortError.forbidden('no').code).toBe('FORBIDDEN');
    expect(CohortError.unavailable('down').code).toBe('UNAVAILABLE');
    expect(CohortError.positionLost('gone').code).toBe('POSITION_LOST');
  });
});
