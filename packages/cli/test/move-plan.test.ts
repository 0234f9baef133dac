import { recordSetNames } from '@cohort/core';
import { portNames, type FleetState } from '@cohort/migrate';
import { describe, expect, it } from 'vitest';
import { describePhases, fleetDirection, planMove } from '../src/move/move-plan.js';

const state = (phases: Partial<FleetState['phases']>): FleetState => ({
  epoch: 3,
  phases: { ...Object.fromEntries(portNames.map((port) => [port, 'primary-only'])), ...phases } as FleetState['phases'],
  fenced: [],
  fencedAt: null,
});

describe('planMove', () => {
  it('moves the port of each record set named, with every record set of that port, and says which come along', () => {
    const plan = planMove(['comments']);
    expect(plan.ports).toEqual(['posts']);
    expect(plan.recordSets).toEqual(['posts', 'comments', 'reactions']);
    expect(plan.description).toBe(
      '--only comments moves port posts: record sets posts, comments, reactions (posts, reactions come along: a port moves whole)',
    );
  });

  it('moves every port without --only', () => {
    const plan = planMove();
    expect(plan.ports).toEqual(portNames);
    expect(plan.recordSets).toEqual(recordSetNames);
  });
});

describe('fleetDirection', () => {
  it('is forward when every moving port is primary-only, back when secondary-only, else mixed', () => {
    expect(fleetDirection(state({}), ['posts', 'users'])).toBe('forward');
    expect(fleetDirection(state({ posts: 'secondary-only' }), ['posts'])).toBe('back');
    // Ports that do not move do not count.
    expect(fleetDirection(state({ posts: 'secondary-only' }), ['users'])).toBe('forward');
    const mixed = state({ posts: 'secondary-only', users: 'dual-write' });
    expect(fleetDirection(mixed, ['posts', 'users'])).toBe('mixed');
    expect(describePhases(mixed, ['posts', 'users'])).toBe('posts secondary-only, users dual-write');
  });
});
