import { CohortError } from '@cohort/core';

/**
 * Checks the values of a row read back from the adapter's own tables, field by field, in place of parsing the row
 * with its core zod schema: that parse cost 2–7 µs a row (most of a page's CPU, more than its round trip), and what
 * leaves the adapter must still be a valid domain object. Each check covers what the column does not already
 * guarantee, and gives what the core schema's parse would give (text trimmed, slugs lower-cased):
 *
 * - `uuid` columns: pg prints them lower-case and canonical, so only their type is checked;
 * - `text`: PostgreSQL text holds no NUL and pg decodes it from UTF-8 (no lone surrogates), so trimming and length
 *   are what is left of core's `text(min, max)`;
 * - `timestamptz`: pg parses it into a Date, except ±infinity, which the instant check refuses;
 * - `integer`: always a safe integer, so only the range is checked; `bigint` arrives as text and is converted.
 *
 * test/stored-rows.test.ts holds every mapper to its core schema, value by value, so the two cannot drift apart.
 * A row that fails is damage done outside the adapter, reported as UNAVAILABLE, as the zod parse was.
 */
export class StoredRow {
  /** `what`: the record's name in the error, e.g. `post`. */
  constructor(private readonly what: string) {}

  id(value: unknown, field: string): string {
    if (typeof value !== 'string') this.invalid(field, 'is not a UUID');
    return value;
  }

  nullableId(value: unknown, field: string): string | null {
    return value === null ? null : this.id(value, field);
  }

  /** Core's `text(min, max)`: trimmed, then `min` to `max` UTF-16 code units. */
  text(value: unknown, field: string, min: number, max: number): string {
    if (typeof value !== 'string') this.invalid(field, 'is not text');
    const trimmed = value.trim();
    if (trimmed.length < min || trimmed.length > max) this.invalid(field, `must have ${min} to ${max} characters`);
    return trimmed;
  }

  /** Core's `slug(max)`: trimmed, lower-cased, `[a-z0-9-]` with letters or digits at both ends. */
  slug(value: unknown, field: string, max: number): string {
    if (typeof value !== 'string') this.invalid(field, 'is not text');
    const slug = value.trim().toLowerCase();
    if (slug.length < 1 || slug.length > max || !SLUG.test(slug)) this.invalid(field, 'is not a slug');
    return slug;
  }

  /** One of `allowed` (a `z.enum`'s values). */
  oneOf<T extends string>(value: unknown, field: string, allowed: ReadonlySet<T>): T {
    if (!allowed.has(value as T)) this.invalid(field, 'is not one of the allowed values');
    return value as T;
  }

  /** A whole number from `min` to `max`; a bigint column's text is converted. */
  int(value: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const number = typeof value === 'string' ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < min || number > max) {
      this.invalid(field, `must be a whole number from ${min} to ${max}`);
    }
    return number;
  }

  instant(value: unknown, field: string): Date {
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) this.invalid(field, 'is not a valid instant');
    return value;
  }

  nullableInstant(value: unknown, field: string): Date | null {
    return value === null ? null : this.instant(value, field);
  }

  /** Fails the row for a rule that spans fields (an event's start before its end, say). */
  check(ok: boolean, field: string, problem: string): void {
    if (!ok) this.invalid(field, problem);
  }

  invalid(field: string, problem: string): never {
    throw CohortError.unavailable(`The store holds an invalid ${this.what}: ${field} ${problem}`);
  }
}

const SLUG = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
