import { CommunityService, TOKENS, UserService, createServices, type ServiceDeps } from '@cohort/core';
import { describe, expect, it } from 'vitest';
import { TestClock } from '../../src/clock/test-clock.js';
import { expectCohortError } from '../../src/contract/expect-cohort-error.js';
import { createMemoryStore } from '@cohort/adapters-memory';

describe('createServices', () => {
  it('works over ports from different stores (users, community and activity each elsewhere)', async () => {
    const clock = new TestClock();
    clock.freeze(new Date('2030-06-01T00:00:00.000Z'));
    const [people, social, log] = [
      createMemoryStore({ clock }),
      createMemoryStore({ clock }),
      createMemoryStore({ clock }),
    ];
    const deps: ServiceDeps = { ...social, users: people.users, activity: log.activity, clock };
    const services = createServices(deps);

    const ada = await services.users.registerUser({ email: 'ada@example.com', displayName: 'Ada' });
    const community = await services.communities.createCommunity(ada.id, { slug: 'hybrid', name: 'Hybrid' });
    const post = await services.posts.post(ada.id, community.id, 'Across stores');

    expect(await social.users.getById(ada.id)).toBeNull();
    expect((await social.posts.getById(post.id))?.authorId).toBe(ada.id);
    const verbs = (await log.activity.listByActor(ada.id)).items.map((event) => event.verb);
    expect(verbs.sort()).toEqual(['created', 'posted', 'signed_up']);
    expect((await social.activity.listByActor(ada.id)).items).toEqual([]);

    // A user known only to the community store does not exist for the services.
    const stranger = await social.users.create({ email: 'x@example.com', displayName: 'X' });
    await expectCohortError(services.posts.readFeed(stranger.id, community.id), 'NOT_FOUND');
  });

  it('builds one instance of each service', () => {
    const store = createMemoryStore();
    const services = createServices(store);
    expect(services.users).toBeInstanceOf(UserService);
    expect(services.communities).toBeInstanceOf(CommunityService);
    expect(Object.keys(services).sort()).toEqual(['communities', 'content', 'events', 'posts', 'users']);
  });

  it('stamps activity with the system clock when none is given', async () => {
    const store = createMemoryStore();
    const services = createServices(store);
    const before = Date.now();
    const ada = await services.users.registerUser({ email: 'now@example.com', displayName: 'Now' });
    const [event] = (await store.activity.listByActor(ada.id)).items;
    expect(event?.occurredAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(event?.occurredAt.getTime()).toBeLessThanOrEqual(Date.now());
  });
});

describe('TOKENS', () => {
  it('name every service with a registry symbol', () => {
    expect(TOKENS.UserService).toBe(Symbol.for('@cohort/UserService'));
    expect(TOKENS.ContentService).toBe(Symbol.for('@cohort/ContentService'));
    expect(TOKENS.EventService).toBe(Symbol.for('@cohort/EventService'));
    expect(TOKENS.CommunityService).toBe(Symbol.for('@cohort/CommunityService'));
    expect(TOKENS.PostService).toBe(Symbol.for('@cohort/PostService'));
  });
});
