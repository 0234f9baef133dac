import { describe, expect, it } from 'vitest';
import { lastOfEachKey, portNames, type CohortStore } from '../src/index.js';

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
  it('lists every repository port of CohortStore once', () => {
    const ports: Record<Exclude<keyof CohortStore, 'recordSets' | 'changeFeed' | 'control'>, true> = {
      users: true,
      contents: true,
      enrollments: true,
      events: true,
      communities: true,
      memberships: true,
      posts: true,
      activity: true,
    };
    expect([...portNames].sort()).toEqual(Object.keys(ports).sort());
  });
});
