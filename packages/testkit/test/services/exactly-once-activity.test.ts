import { createMemoryStore } from '@cohort/adapters-memory';
import { describe, expect, it } from 'vitest';
import { describeExactlyOnceActivity } from '../../src/services/exactly-once-activity.suite.js';
import { HOUR, T0, createHarness } from './service-harness.js';

// The scenarios every wiring runs (PostgreSQL, DynamoDB and the hybrid run them in @cohort/reliability).
describeExactlyOnceActivity('memory', (clock) =>
  Promise.resolve({ store: createMemoryStore({ clock }), close: () => Promise.resolve() }),
);

describe('activity of a repeated call', () => {
  const day = T0.toISOString().slice(0, 10);

  it('names the event after the change: a retry appends the very event the first call appended', async () => {
    const h = createHarness();
    const [owner, ada] = [await h.user(), await h.user()];
    const community = await h.community(owner);
    await h.services.communities.joinCommunity(ada.id, community.id);
    const [first] = (await h.store.activity.listByActor(ada.id)).items;
    h.clock.advance(HOUR);
    await h.services.communities.joinCommunity(ada.id, community.id);
    expect((await h.store.activity.listByActor(ada.id)).items).toEqual([first]);
  });

  it('does not bring back the purged event of a change older than the replay window', async () => {
    const h = createHarness();
    const [owner, ada] = [await h.user(), await h.user()];
    const community = await h.community(owner);
    await h.services.communities.joinCommunity(ada.id, community.id);
    expect(await h.store.activity.purgeBefore(new Date(T0.getTime() + 1))).toBe(1);
    h.clock.advance(25 * HOUR);
    await h.services.communities.joinCommunity(ada.id, community.id);
    expect(await h.activityOf(ada.id)).toEqual([]);
    expect(await h.store.activity.dailyCounts({ from: day, to: day })).toEqual([{ day, verb: 'joined', count: 1 }]);
  });

  it('records a new membership after leaving, and nothing for the owner, whose membership came with the community', async () => {
    const h = createHarness();
    const [owner, ada] = [await h.user(), await h.user()];
    const community = await h.community(owner);
    await h.services.communities.joinCommunity(ada.id, community.id);
    h.clock.advance(1000);
    await h.services.communities.leaveCommunity(ada.id, community.id);
    h.clock.advance(1000);
    await h.services.communities.joinCommunity(ada.id, community.id);
    await h.services.communities.joinCommunity(owner.id, community.id);
    expect((await h.activityOf(ada.id)).map((event) => event.verb)).toEqual(['joined', 'left', 'joined']);
    expect(await h.activityOf(owner.id)).toEqual([]);
  });

  it('records a registration again after a cancellation, each once', async () => {
    const h = createHarness();
    const [host, ada] = [await h.user(), await h.user()];
    const event = await h.store.events.create({
      title: 'Twice',
      hostId: host.id,
      startsAt: new Date(T0.getTime() + 24 * HOUR),
      endsAt: new Date(T0.getTime() + 25 * HOUR),
      capacity: 5,
    });
    // The clock stays frozen: the position tells the two registrations and their cancellations apart.
    for (let round = 0; round < 2; round += 1) {
      await Promise.all([1, 2, 3].map(() => h.services.events.registerForEvent(ada.id, event.id)));
      await Promise.all([1, 2, 3].map(() => h.services.events.cancelRegistration(ada.id, event.id)));
    }
    expect(await h.store.activity.dailyCounts({ from: day, to: day })).toEqual([
      { day, verb: 'cancelled', count: 2 },
      { day, verb: 'registered', count: 2 },
    ]);
  });
});
