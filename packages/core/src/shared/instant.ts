import { z } from 'zod';
import { CohortError } from './cohort-error.js';

/**
 * The first and last instants Cohort holds (DESIGN §2): four-digit years, which PostgreSQL's timestamptz, DynamoDB's
 * epoch numbers, every `YYYY-MM-DD` day key and every month partition can all represent. Date itself reaches
 * ±275760 years, whose ISO form (`+275760-…`) no day key and no store agrees on.
 */
export const MIN_INSTANT = Date.parse('0001-01-01T00:00:00.000Z');
export const MAX_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

const RANGE_MESSAGE = 'must be between 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z';

/**
 * The time value of a genuine Date, read through `Date.prototype.getTime` so the caller's own (possibly lying or
 * throwing) methods are never called; `undefined` for anything else. A Proxy of a Date is not a Date: it has no time
 * value of its own, and reading one through it would run the caller's traps.
 */
export function timeOf(value: unknown): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  try {
    return Date.prototype.getTime.call(value);
  } catch {
    return undefined;
  }
}

/** True for an epoch-millisecond time value inside MIN_INSTANT … MAX_INSTANT. */
export function isInstantTime(time: number): boolean {
  return Number.isInteger(time) && time >= MIN_INSTANT && time <= MAX_INSTANT;
}

/** Why `value` is not an instant, or null when it is one. */
function instantProblem(value: unknown): string | null {
  const time = timeOf(value);
  if (time === undefined) return 'must be a Date';
  if (Number.isNaN(time)) return 'must be a valid Date (not an Invalid Date)';
  return isInstantTime(time) ? null : RANGE_MESSAGE;
}

/**
 * An instant: a genuine, valid Date inside MIN_INSTANT … MAX_INSTANT, parsed into a fresh Date of the same time, so
 * nothing later calls a method of the caller's object (one that throws or lies about its time).
 */
export const instant = () =>
  z.custom<Date>().transform((value, ctx): Date => {
    const problem = instantProblem(value);
    if (problem !== null) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    return new Date(timeOf(value) as number);
  });

/** The first day key: days are `YYYY-MM-DD` with four-digit years, so 9999-12-31 is the last. */
const FIRST_DAY = '0001-01-01';

/** A UTC calendar day, `YYYY-MM-DD`, from 0001-01-01 to 9999-12-31. */
export const daySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a YYYY-MM-DD day')
  .refine((day) => day >= FIRST_DAY, `must be on or after ${FIRST_DAY}`)
  .refine(
    (day) =>
      !Number.isNaN(Date.parse(`${day}T00:00:00Z`)) && new Date(`${day}T00:00:00Z`).toISOString().startsWith(day),
    'must be a real calendar day',
  );

/**
 * The UTC day an instant falls on, whatever the process time zone. Reads only the time value (see `timeOf`); an
 * instant outside the range, which parsing already refuses, is VALIDATION here too rather than a RangeError or a
 * six-digit day key.
 */
export function dayOf(at: Date): string {
  const problem = instantProblem(at);
  if (problem !== null) throw CohortError.validation(`Invalid instant: ${problem}`, [{ path: [], message: problem }]);
  return new Date(timeOf(at) as number).toISOString().slice(0, 10);
}
