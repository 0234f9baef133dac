import { describe, expect, it } from 'vitest';
import { isNetworkError } from '../src/adapter.js';

describe('isNetworkError', () => {
  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'ENETUNREACH', 'ECONNABORTED'])(
    'knows %s as a store that could not be reached',
    (code) => {
      expect(isNetworkError(Object.assign(new Error('socket'), { code }))).toBe(true);
    },
  );

  it.each([
    ['a server error code', Object.assign(new Error('unique'), { code: '23505' })],
    ['an error without a code', new Error('ECONNREFUSED in the message only')],
    ['a string', 'ECONNREFUSED'],
    ['null', null],
    ['undefined', undefined],
  ])('does not take %s for one', (_, error) => {
    expect(isNetworkError(error)).toBe(false);
  });
});
