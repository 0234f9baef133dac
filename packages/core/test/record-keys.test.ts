import { describe, expect, it } from 'vitest';
import { portNames, recordSetPorts } from '../src/index.js';
import { lastOfEachKey } from '../src/adapter.js';

describe('lastOfEachKey', () => {
  it('keeps the last record of each key, where its key was last seen (what one-at-a-time puts would leave)', () => {
    const batch = [
      { id: 'a', v: 1 },
      { id: 'b', v: 1 },
      { id: 'a', v: 2 },
      { id: 'c', v: 1 },
      { id: 'b', v: 2 },
    ];
    expect(lastOfEachKey(batch, (record) => record.id)).toEqual([
      { id: 'a', v: 2 },
      { id: 'c', v: 1 },
      { id: 'b', v: 2 },
    ]);
    expect(lastOfEachKey([], (record: { id: string }) => record.id)).toEqual([]);
  });
});

describe('portNames', () => {
  // That it names every port of CohortStore is checked at compile time (store.ts); here: once each, and the ports the
  // record sets live in are exactly these.
  it('lists every repository port once', () => {
    expect(new Set(portNames).size).toBe(portNames.length);
    expect([...portNames].sort()).toEqual([...new Set(Object.values(recordSetPorts))].sort());
  });
});
