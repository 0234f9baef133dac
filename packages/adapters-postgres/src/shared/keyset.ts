import { CohortError, decodeCursor, idSchema, type CursorKey } from '@cohort/core';

/** The kind of each value in a cursor key, checked on the way in so a forged cursor is VALIDATION, not a SQL error. */
export type KeyPart = 'id' | 'time' | 'int' | 'text';

type PartValue<P extends KeyPart> = P extends 'time' ? Date : P extends 'int' ? number : string;
type KeyValues<P extends readonly KeyPart[]> = { [I in keyof P]: PartValue<P[I]> };

/** Decodes a keyset cursor of `scope` and checks that every value has the kind its column needs. */
export function readCursor<const P extends readonly KeyPart[]>(scope: string, cursor: string, parts: P): KeyValues<P> {
  const key = decodeCursor(scope, cursor, parts.length);
  return parts.map((part, index) => readPart(part, key[index])) as KeyValues<P>;
}

function readPart(part: KeyPart, value: CursorKey[number] | undefined): Date | number | string {
  const invalid = (): CohortError =>
    CohortError.validation('Invalid cursor: it was not issued by this list or was altered', [
      { path: ['cursor'], message: 'it was not issued by this list or was altered' },
    ]);
  switch (part) {
    case 'id': {
      const parsed = idSchema.safeParse(value);
      if (!parsed.success) throw invalid();
      return parsed.data;
    }
    case 'time': {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid();
      const date = new Date(value);
      if (Number.isNaN(date.getTime())) throw invalid();
      return date;
    }
    case 'int':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalid();
      return value;
    case 'text':
      if (typeof value !== 'string' || value.includes('\u0000')) throw invalid();
      return value;
  }
}

/** Collects positional parameters while a statement is assembled: `params.add(value)` returns `$n`. */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
