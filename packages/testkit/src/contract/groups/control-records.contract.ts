import { randomUUID } from 'node:crypto';
import { CohortError, type ControlRecords } from '@cohort/core';
import { describe, expect, it } from 'vitest';
import type { ContractContext } from '../contract-context.js';
import { expectCohortError } from '../expect-cohort-error.js';

/**
 * How `runContractSuite` treats control records. A store without `control` must say why (`absent`), which the group
 * reports as a skipped test; every store that has them runs the group.
 */
export interface ControlRecordsContractOptions {
  /** Why the store has no control records: the group's one skipped test carries it as its title. */
  readonly absent: string;
}

/** Parallel writers in the race tests: of those expecting one version, exactly one may win. */
const WRITERS = 20;

export function controlRecordsContract(
  context: ContractContext,
  options: ControlRecordsContractOptions | undefined,
): void {
  describe('control records', () => {
    if (options) {
      it.skip(`control records not run: ${options.absent}`, () => undefined);
      it('declares no control records, and the store has none', () => {
        expect(
          context.store().control,
          'the store has control records: remove `controlRecords: { absent }` from runContractSuite to test them',
        ).toBeUndefined();
      });
      return;
    }

    const control = (): ControlRecords => {
      const records = context.store().control;
      if (!records) {
        throw new Error(
          'the store has no `control` (ControlRecords): implement it, or declare `controlRecords: { absent: "why" }`',
        );
      }
      return records;
    };
    /** A key prefix of this test's own. */
    const space = () => `contract/${randomUUID()}/`;

    it('reads null for a key never written', async () => {
      expect(await control().read(`${space()}missing`)).toBeNull();
    });

    it('creates at version 1 and refuses a second create with CONCURRENCY', async () => {
      const key = `${space()}phase`;
      const created = await control().write(key, { epoch: 1, phases: { users: 'dual-write' } }, null);
      expect(created).toEqual({ key, value: { epoch: 1, phases: { users: 'dual-write' } }, version: 1 });
      await expectCohortError(control().write(key, { other: true }, null), 'CONCURRENCY');
      expect(await control().read(key)).toEqual(created);
    });

    it('replaces the value at the expected version and bumps it; any other version is CONCURRENCY', async () => {
      const key = `${space()}record`;
      await control().write(key, 'one', null);
      const second = await control().write(key, ['two', 2], 1);
      expect(second).toEqual({ key, value: ['two', 2], version: 2 });
      await expectCohortError(control().write(key, 'stale', 1), 'CONCURRENCY');
      await expectCohortError(control().write(key, 'ahead', 3), 'CONCURRENCY');
      await expectCohortError(control().write(`${space()}absent`, 'x', 1), 'CONCURRENCY');
      expect(await control().read(key)).toEqual(second);
    });

    it('keeps a JSON value exactly as written, and hands out copies', async () => {
      const key = `${space()}json`;
      const value = {
        text: 'Grüße 👋 "quoted" \\ back\nslash',
        empty: '',
        numbers: [0, -1, 1.5, 1e21, Number.MAX_SAFE_INTEGER],
        flags: [true, false, null],
        nested: { deeper: { list: [{}, []] } },
      };
      await control().write(key, value, null);
      const read = await control().read(key);
      expect(read?.value).toEqual(value);
      (read?.value as { text: string }).text = 'changed by the caller';
      expect((await control().read(key))?.value).toEqual(value);
    });

    it('lists the records under a prefix in key order, and only those', async () => {
      const prefix = space();
      const keys = [`${prefix}lease/b`, `${prefix}lease/a`, `${prefix}lease/ä`, `${prefix}lease/Z`, `${prefix}phase`];
      for (const key of keys) await control().write(key, key, null);
      const leases = await control().list(`${prefix}lease/`);
      expect(leases.map((record) => record.key)).toEqual([
        `${prefix}lease/Z`,
        `${prefix}lease/a`,
        `${prefix}lease/b`,
        `${prefix}lease/ä`,
      ]);
      expect(leases.every((record) => record.value === record.key && record.version === 1)).toBe(true);
      expect((await control().list(prefix)).map((record) => record.key)).toHaveLength(5);
      expect(await control().list(`${space()}`)).toEqual([]);
    });

    it('deletes a record (false when there is none); a delete at another version is CONCURRENCY', async () => {
      const key = `${space()}lease`;
      await control().write(key, 1, null);
      await control().write(key, 2, 1);
      await expectCohortError(control().delete(key, 1), 'CONCURRENCY');
      expect(await control().read(key)).toMatchObject({ version: 2 });
      expect(await control().delete(key, 2)).toBe(true);
      expect(await control().read(key)).toBeNull();
      expect(await control().delete(key)).toBe(false);
      expect(await control().delete(key, 5)).toBe(false);
      const again = await control().write(key, 'again', null);
      expect(again.version).toBe(1);
      expect(await control().delete(key)).toBe(true);
    });

    it(`lets exactly one of ${WRITERS} parallel creates win`, async () => {
      const key = `${space()}race`;
      const outcomes = await Promise.allSettled(
        Array.from({ length: WRITERS }, (_, writer) => control().write(key, { writer }, null)),
      );
      const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') expect(CohortError.is(outcome.reason, 'CONCURRENCY')).toBe(true);
      }
      const read = await control().read(key);
      expect(read).toEqual(winners[0]?.status === 'fulfilled' ? winners[0].value : undefined);
    });

    it(`lets exactly one of ${WRITERS} parallel writers expecting the same version win, at every version`, async () => {
      const key = `${space()}race`;
      let version = (await control().write(key, { round: 0 }, null)).version;
      for (let round = 1; round <= 3; round += 1) {
        const outcomes = await Promise.allSettled(
          Array.from({ length: WRITERS }, (_, writer) => control().write(key, { round, writer }, version)),
        );
        const winners = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
        expect(winners, `round ${round}`).toHaveLength(1);
        const rejected = outcomes.flatMap((outcome): unknown[] =>
          outcome.status === 'rejected' ? [outcome.reason] : [],
        );
        expect(rejected.every((reason) => CohortError.is(reason, 'CONCURRENCY'))).toBe(true);
        const winner = winners[0];
        expect(winner?.version).toBe(version + 1);
        expect(await control().read(key)).toEqual(winner);
        version += 1;
      }
    });

    it(`loses no increment of ${WRITERS} parallel read-compare-set loops`, async () => {
      const key = `${space()}counter`;
      await control().write(key, { count: 0 }, null);
      const increment = async (): Promise<void> => {
        for (;;) {
          const current = await control().read(key);
          if (!current) throw new Error('the counter vanished');
          const { count } = current.value as { count: number };
          try {
            await control().write(key, { count: count + 1 }, current.version);
            return;
          } catch (error) {
            if (!CohortError.is(error, 'CONCURRENCY')) throw error;
          }
        }
      };
      await Promise.all(Array.from({ length: WRITERS }, increment));
      expect(await control().read(key)).toMatchObject({ value: { count: WRITERS }, version: WRITERS + 1 });
    });

    it('refuses malformed keys, versions and values with VALIDATION, writing nothing', async () => {
      const key = `${space()}valid`;
      await expectCohortError(control().read(''), 'VALIDATION');
      await expectCohortError(control().read('x'.repeat(257)), 'VALIDATION');
      await expectCohortError(control().read('nul\u0000key'), 'VALIDATION');
      await expectCohortError(control().list('\uD800'), 'VALIDATION');
      for (const version of [0, -1, 1.5, Number.NaN, '1']) {
        await expectCohortError(control().write(key, 1, version as number), 'VALIDATION');
      }
      const bad: unknown[] = [
        undefined,
        () => 1,
        10n,
        Number.POSITIVE_INFINITY,
        new Date(0),
        { nested: { fn: () => 1 } },
        ['nul \u0000'],
        { '\uDC00': 1 },
        'x'.repeat(70_000),
      ];
      for (const value of bad) await expectCohortError(control().write(key, value, null), 'VALIDATION');
      expect(await control().read(key)).toBeNull();
    });
  });
}
