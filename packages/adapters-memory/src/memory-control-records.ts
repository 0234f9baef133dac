import { MAX_CONTROL_LIST, type ControlRecord, type ControlRecords } from '@cohort/core';
import {
  controlVersionMismatch,
  encodeControlValue,
  parseControlKey,
  parseControlPrefix,
  parseControlVersion,
} from '@cohort/core/adapter';

interface Stored {
  readonly json: string;
  readonly version: number;
}

/** Control records in process memory: one store's, shared by whatever holds the store (tests, one process). */
export class MemoryControlRecords implements ControlRecords {
  private readonly records = new Map<string, Stored>();

  read(key: string): Promise<ControlRecord | null> {
    return settle(() => {
      const name = parseControlKey(key);
      const stored = this.records.get(name);
      return stored ? toRecord(name, stored) : null;
    });
  }

  write(key: string, value: unknown, expectedVersion: number | null): Promise<ControlRecord> {
    return settle(() => {
      const name = parseControlKey(key);
      const expected = parseControlVersion(expectedVersion);
      const json = encodeControlValue(value);
      const current = this.records.get(name);
      if ((current?.version ?? null) !== expected) throw controlVersionMismatch(name, expected);
      const stored = { json, version: (current?.version ?? 0) + 1 };
      this.records.set(name, stored);
      return toRecord(name, stored);
    });
  }

  list(prefix: string): Promise<readonly ControlRecord[]> {
    return settle(() => {
      const start = parseControlPrefix(prefix);
      return [...this.records.entries()]
        .filter(([name]) => name.startsWith(start))
        .sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
        .slice(0, MAX_CONTROL_LIST)
        .map(([name, stored]) => toRecord(name, stored));
    });
  }

  delete(key: string, expectedVersion?: number): Promise<boolean> {
    return settle(() => {
      const name = parseControlKey(key);
      const expected = expectedVersion === undefined ? undefined : parseControlVersion(expectedVersion);
      const current = this.records.get(name);
      if (!current) return false;
      if (expected !== undefined && expected !== null && current.version !== expected) {
        throw controlVersionMismatch(name, expected);
      }
      this.records.delete(name);
      return true;
    });
  }
}

const toRecord = (key: string, stored: Stored): ControlRecord => ({
  key,
  value: JSON.parse(stored.json) as unknown,
  version: stored.version,
});

/** Runs `work` atomically now and answers on a later turn, as a database would (errors become rejections). */
function settle<T>(work: () => T): Promise<T> {
  return new Promise((resolve, reject) => {
    try {
      const result = work();
      setImmediate(() => resolve(result));
    } catch (error) {
      // What `work` threw, as it threw it (a CohortError).
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      reject(error);
    }
  });
}
