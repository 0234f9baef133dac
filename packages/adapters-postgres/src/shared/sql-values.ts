import { CohortError } from '@cohort/core';

/**
 * A Date as a timestamptz literal in UTC. pg's own Date serializer writes local time with the zone offset in whole
 * minutes, which loses seconds for historical offsets (Asia/Kathmandu was +05:41:16 before 1920); UTC text never
 * depends on the process time zone.
 */
export function sqlTime(date: Date): string;
export function sqlTime(date: Date | null): string | null;
export function sqlTime(date: Date | null): string | null {
  if (date === null) return null;
  let year = date.getUTCFullYear();
  const bc = year < 1;
  if (bc) year = -year + 1; // there is no year 0: JS year 0 is 1 BC
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  const text =
    `${pad(year, 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}T` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.` +
    `${pad(date.getUTCMilliseconds(), 3)}+00:00`;
  return bc ? `${text} BC` : text;
}

/** count(*) and bigint columns arrive from pg as strings; they leave the adapter as numbers. */
export function toCount(value: unknown): number {
  const count = typeof value === 'number' ? value : Number(value ?? 0);
  if (!Number.isSafeInteger(count))
    throw CohortError.unavailable(`The store returned a count that is not a safe integer: ${String(value)}`);
  return count;
}

/** One entity property's column: its name and SQL type (the type `jsonb_to_recordset` reads it as). */
export interface ColumnSpec {
  readonly column: string;
  readonly type: string;
}

/** Entity property → column, for every property of the entity. */
export type Columns<E> = { readonly [K in keyof E]-?: ColumnSpec };

/**
 * The SELECT list that turns snake_case columns into the entity's property names, e.g.
 * `"display_name" AS "displayName"`, so every row a statement returns already has the entity's shape.
 */
export function selectList<E>(columns: Columns<E>, alias?: string): string {
  const prefix = alias ? `${alias}.` : '';
  return specs(columns)
    .map(([property, spec]) => `${prefix}"${spec.column}" AS "${property}"`)
    .join(', ');
}

/** `"id", "email", …`: the column list of an INSERT. */
export function columnList<E>(columns: Columns<E>, alias?: string): string {
  const prefix = alias ? `${alias}.` : '';
  return specs(columns)
    .map(([, spec]) => `${prefix}"${spec.column}"`)
    .join(', ');
}

/** `"id" uuid, "email" text, …`: the record type of `jsonb_to_recordset($1) AS r(…)`. */
export function recordsetType<E>(columns: Columns<E>): string {
  return specs(columns)
    .map(([, spec]) => `"${spec.column}" ${spec.type}`)
    .join(', ');
}

/** `"email" = EXCLUDED."email", …`: the SET list of an upsert that replaces every column but the key. */
export function excludedList<E>(columns: Columns<E>, key: readonly (keyof E)[]): string {
  return specs(columns)
    .filter(([property]) => !key.includes(property as keyof E))
    .map(([, spec]) => `"${spec.column}" = EXCLUDED."${spec.column}"`)
    .join(', ');
}

/**
 * Entities as one jsonb parameter for `jsonb_to_recordset`: many rows in one statement (putMany, activity batches)
 * with one code path for single rows too. Dates go as UTC text (see `sqlTime`).
 */
export function jsonRows<E>(columns: Columns<E>, entities: readonly E[]): string {
  return JSON.stringify(entities.map((entity) => jsonRow(columns, entity)));
}

/** One entity as a `jsonb_to_recordset` row: keyed by column name, Dates as UTC text. */
export function jsonRow<E>(columns: Columns<E>, entity: E): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [property, spec] of specs(columns)) {
    const value = entity[property as keyof E];
    row[spec.column] = value instanceof Date ? sqlTime(value) : value;
  }
  return row;
}

function specs<E>(columns: Columns<E>): [string, ColumnSpec][] {
  return Object.entries<ColumnSpec>(columns);
}
