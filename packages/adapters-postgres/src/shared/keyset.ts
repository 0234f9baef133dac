import { decodeCursor, type CursorPart } from '@cohort/core/adapter';

/** The kind of each value in a cursor key (core checks kind and range as it decodes, so a forged cursor is VALIDATION). */
export type KeyPart = CursorPart;

type PartValue<P extends KeyPart> = P extends 'time' ? Date : P extends 'int' ? number : string;
type KeyValues<P extends readonly KeyPart[]> = { [I in keyof P]: PartValue<P[I]> };

/** Decodes a keyset cursor of `scope` through core (kinds and ranges checked); times come back as Dates for SQL. */
export function readCursor<const P extends readonly KeyPart[]>(scope: string, cursor: string, parts: P): KeyValues<P> {
  const key: readonly (string | number)[] = decodeCursor(scope, cursor, parts);
  return parts.map((part, index) => (part === 'time' ? new Date(key[index] as number) : key[index])) as KeyValues<P>;
}

/** Collects positional parameters while a statement is assembled: `params.add(value)` returns `$n`. */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
