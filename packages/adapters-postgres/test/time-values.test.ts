import { newId, type User } from '@cohort/core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sqlTime } from '../src/shared/sql-values.js';
import { openTestStore, type TestStore } from './postgres-test-database.js';

/**
 * Dates that pg's own serializer gets wrong in some time zones (Asia/Kathmandu was +05:41:16 before 1920) and the far
 * ends of the range both stores can hold; each round-trips with the process in UTC and in Kathmandu. Year 0 (1 BC) is
 * outside that range since core holds every instant to four-digit years (the contract's instant-range group pins it
 * as VALIDATION); sqlTime still writes BC years right, for what PostgreSQL itself would hand back.
 */
const instants = [
  '1900-06-01T00:00:00.123Z',
  '1919-12-31T23:59:59.999Z',
  '0001-01-01T00:00:00.000Z',
  '1969-12-31T23:59:59.999Z',
  '9999-12-31T23:59:59.999Z',
];

describe('times', () => {
  let test: TestStore;

  beforeAll(async () => {
    test = await openTestStore(inject('postgresUrl'));
  });

  afterAll(() => test.close());

  it('writes Dates as UTC text, BC years included', () => {
    expect(sqlTime(new Date('1900-06-01T00:00:00.123Z'))).toBe('1900-06-01T00:00:00.123+00:00');
    expect(sqlTime(new Date('0000-01-01T00:00:00.000Z'))).toBe('0001-01-01T00:00:00.000+00:00 BC');
  });

  describe.each(['UTC', 'Asia/Kathmandu'])('with the process in %s', (timeZone) => {
    const previous = process.env['TZ'];
    beforeAll(() => {
      process.env['TZ'] = timeZone;
    });
    afterAll(() => {
      if (previous === undefined) delete process.env['TZ'];
      else process.env['TZ'] = previous;
    });

    it('has that zone in effect', () => {
      // 1900 in Kathmandu: +05:41:16 (Date reports whole minutes; pg's own serializer loses the seconds).
      const offset = new Date('1900-06-01T00:00:00Z').getTimezoneOffset();
      expect(offset).toBe(timeZone === 'UTC' ? 0 : -341);
    });

    it.each(instants)('round-trips %s to the millisecond', async (iso) => {
      const at = new Date(iso);
      const user: User = {
        id: newId(),
        email: `t-${newId()}@example.com`,
        displayName: 'Time',
        role: 'learner',
        status: 'active',
        createdAt: at,
        updatedAt: at,
        version: 1,
      };
      await test.store.recordSets.users.putMany([user]);
      const read = await test.store.users.getById(user.id);
      expect(read?.createdAt.toISOString()).toBe(at.toISOString());
    });
  });
});
