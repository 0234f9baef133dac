import { newId, type User } from '@cohort/core';
import { describe, expect, it } from 'vitest';
import { expectCohortError } from '../../src/contract/expect-cohort-error.js';
import { HOUR, T0, createHarness, type Harness } from './service-harness.js';

const window = { startsAt: new Date(T0.getTime() + 24 * HOUR), endsAt: new Date(T0.getTime() + 26 * HOUR) };

async function hostedEvent(h: Harness, capacity = 2, host?: User) {
  const actor = host ?? (await h.user('manager'));
  const event = await h.services.events.createEvent(actor.id, { title: 'Lunch & learn', capacity, ...window });
  return { host: actor, event };
}

describe('EventService.createEvent', () => {
  it('schedules an event hosted by the actor and records created', async () => {
    const h = createHarness();
    const { host, event } = await hostedEvent(h, 30);
    expect(event).toMatchObject({ hostId: host.id, capacity: 30, communityId: null, status: 'scheduled' });
    expect(await h.activityOf(host.id)).toEqual([
      {
        actorId: host.id,
        verb: 'created',
        object: { type: 'event', id: event.id },
        occurredAt: T0,
        metadata: { capacity: 30 },
      },
    ]);
  });

  it('hosts a community event for members only, and names the community in the activity', async () => {
    const h = createHarness();
    const [owner, outsider] = [await h.user(), await h.user()];
    const community = await h.community(owner, { visibility: 'private' });
    const input = { title: 'AMA', capacity: 5, communityId: community.id, ...window };
    await expectCohortError(h.services.events.createEvent(outsider.id, input), 'FORBIDDEN');
    await expectCohortError(h.services.events.createEvent(owner.id, { ...input, communityId: newId() }), 'NOT_FOUND');
    const event = await h.services.events.createEvent(owner.id, input);
    expect(event.communityId).toBe(community.id);
    expect((await h.activityOf(owner.id))[0]?.metadata).toEqual({ capacity: 5, communityId: community.id });
  });

  it('is VALIDATION for reversed times or a bad capacity', async () => {
    const h = createHarness();
    const host = await h.user();
    const reversed = { title: 'x', capacity: 1, startsAt: window.endsAt, endsAt: window.startsAt };
    await expectCohortError(h.services.events.createEvent(host.id, reversed), 'VALIDATION');
    await expectCohortError(
      h.services.events.createEvent(host.id, { title: 'x', capacity: 0, ...window }),
      'VALIDATION',
    );
  });
});

describe('EventService.registerForEvent', () => {
  it('seats, then waitlists, recording registered and waitlisted with the position', async () => {
    const h = createHarness();
    const { event } = await hostedEvent(h, 1);
    const [ada, bo] = [await h.user(), await h.user()];
    const seat = await h.services.events.registerForEvent(ada.id, event.id);
    const wait = await h.services.events.registerForEvent(bo.id, event.id);
    expect([seat.status, wait.status]).toEqual(['registered', 'waitlisted']);
    const object = { type: 'event', id: event.id };
    expect(await h.activityOf(ada.id)).toEqual([
      { actorId: ada.id, verb: 'registered', object, occurredAt: T0, metadata: { position: 1 } },
    ]);
    expect(await h.activityOf(bo.id)).toEqual([
      { actorId: bo.id, verb: 'waitlisted', object, occurredAt: T0, metadata: { position: 2 } },
    ]);
  });

  it('returns a live registration unchanged and records nothing more', async () => {
    const h = createHarness();
    const { event } = await hostedEvent(h);
    const ada = await h.user();
    const first = await h.services.events.registerForEvent(ada.id, event.id);
    expect(await h.services.events.registerForEvent(ada.id, event.id)).toEqual(first);
    expect(await h.activityOf(ada.id)).toHaveLength(1);
  });

  it('is NOT_FOUND for a missing event and CONFLICT for a cancelled one', async () => {
    const h = createHarness();
    const { host, event } = await hostedEvent(h);
    const ada = await h.user();
    await expectCohortError(h.services.events.registerForEvent(ada.id, newId()), 'NOT_FOUND');
    await h.services.events.cancelEvent(host.id, event.id);
    await expectCohortError(h.services.events.registerForEvent(ada.id, event.id), 'CONFLICT');
    expect(await h.activityOf(ada.id)).toEqual([]);
  });
});

describe('EventService.cancelRegistration', () => {
  it('cancels, promotes the earliest waitlisted, and records cancelled with the previous status', async () => {
    const h = createHarness();
    const { event } = await hostedEvent(h, 1);
    const [ada, bo] = [await h.user(), await h.user()];
    await h.services.events.registerForEvent(ada.id, event.id);
    await h.services.events.registerForEvent(bo.id, event.id);
    h.clock.advance(5000);
    const cancelled = await h.services.events.cancelRegistration(ada.id, event.id);
    expect(cancelled.status).toBe('cancelled');
    expect((await h.store.events.getRegistration(event.id, bo.id))?.status).toBe('registered');
    expect((await h.activityOf(ada.id))[0]).toEqual({
      actorId: ada.id,
      verb: 'cancelled',
      object: { type: 'event', id: event.id },
      occurredAt: h.clock.now(),
      metadata: { target: 'registration', previousStatus: 'registered' },
    });
    expect(await h.services.events.cancelRegistration(ada.id, event.id)).toEqual(cancelled);
    expect(await h.activityOf(ada.id)).toHaveLength(2);
  });

  it('records a waitlisted cancellation as such', async () => {
    const h = createHarness();
    const { event } = await hostedEvent(h, 1);
    const [ada, bo] = [await h.user(), await h.user()];
    await h.services.events.registerForEvent(ada.id, event.id);
    await h.services.events.registerForEvent(bo.id, event.id);
    await h.services.events.cancelRegistration(bo.id, event.id);
    // Both events share the frozen instant, and ids made from changes do not order events within a millisecond.
    const cancelled = (await h.activityOf(bo.id)).find((event) => event.verb === 'cancelled');
    expect(cancelled?.metadata).toEqual({ target: 'registration', previousStatus: 'waitlisted' });
  });

  it('is NOT_FOUND when never registered and CONFLICT once attended', async () => {
    const h = createHarness();
    const { host, event } = await hostedEvent(h);
    const ada = await h.user();
    await expectCohortError(h.services.events.cancelRegistration(ada.id, event.id), 'NOT_FOUND');
    await h.services.events.registerForEvent(ada.id, event.id);
    await h.services.events.markAttended(host.id, event.id, ada.id);
    await expectCohortError(h.services.events.cancelRegistration(ada.id, event.id), 'CONFLICT');
  });
});

describe('EventService.markAttended', () => {
  it('lets the host check a registered user in, recording attended by the attendee', async () => {
    const h = createHarness();
    const { host, event } = await hostedEvent(h);
    const ada = await h.user();
    await h.services.events.registerForEvent(ada.id, event.id);
    h.clock.advance(HOUR);
    const attended = await h.services.events.markAttended(host.id, event.id, ada.id);
    expect(attended.status).toBe('attended');
    expect(await h.services.events.markAttended(host.id, event.id, ada.id)).toEqual(attended);
    const activity = await h.activityOf(ada.id);
    expect(activity).toHaveLength(2);
    expect(activity[0]).toEqual({
      actorId: ada.id,
      verb: 'attended',
      object: { type: 'event', id: event.id },
      occurredAt: h.clock.now(),
      metadata: { markedBy: host.id },
    });
  });

  it('forbids anyone but the host, and is NOT_FOUND for a missing attendee or event', async () => {
    const h = createHarness();
    const { host, event } = await hostedEvent(h);
    const ada = await h.user();
    await h.services.events.registerForEvent(ada.id, event.id);
    await expectCohortError(h.services.events.markAttended(ada.id, event.id, ada.id), 'FORBIDDEN');
    await expectCohortError(h.services.events.markAttended(host.id, event.id, newId()), 'NOT_FOUND');
    await expectCohortError(h.services.events.markAttended(host.id, newId(), ada.id), 'NOT_FOUND');
  });

  it('is CONFLICT for a waitlisted user and NOT_FOUND for one who never registered', async () => {
    const h = createHarness();
    const { host, event } = await hostedEvent(h, 1);
    const [ada, bo, cy] = [await h.user(), await h.user(), await h.user()];
    await h.services.events.registerForEvent(ada.id, event.id);
    await h.services.events.registerForEvent(bo.id, event.id);
    await expectCohortError(h.services.events.markAttended(host.id, event.id, bo.id), 'CONFLICT');
    await expectCohortError(h.services.events.markAttended(host.id, event.id, cy.id), 'NOT_FOUND');
  });
});

describe('EventService.cancelEvent', () => {
  it('lets the host cancel, recording cancelled on the event once', async () => {
    const h = createHarness();
    const { host, event } = await hostedEvent(h);
    const other = await h.user();
    await expectCohortError(h.services.events.cancelEvent(other.id, event.id), 'FORBIDDEN');
    const cancelled = await h.services.events.cancelEvent(host.id, event.id);
    expect(cancelled.status).toBe('cancelled');
    expect(await h.services.events.cancelEvent(host.id, event.id)).toEqual(cancelled);
    const activity = await h.activityOf(host.id);
    // Both share the frozen instant, and ids made from changes do not order events within a millisecond.
    expect(activity.map((event) => event.verb).sort()).toEqual(['cancelled', 'created']);
    expect(activity.find((event) => event.verb === 'cancelled')).toEqual({
      actorId: host.id,
      verb: 'cancelled',
      object: { type: 'event', id: event.id },
      occurredAt: T0,
      metadata: { target: 'event' },
    });
  });
});

describe('EventService reads', () => {
  it('lists upcoming events and registrations for any active user', async () => {
    const h = createHarness();
    const { event } = await hostedEvent(h, 1);
    const [ada, bo] = [await h.user(), await h.user()];
    await h.services.events.registerForEvent(ada.id, event.id);
    await h.services.events.registerForEvent(bo.id, event.id);
    const upcoming = await h.services.events.listUpcoming({ from: T0 });
    expect(upcoming.items.map((item) => item.id)).toEqual([event.id]);
    const waitlist = await h.services.events.listRegistrations(ada.id, event.id, { status: 'waitlisted' });
    expect(waitlist.items.map((registration) => registration.userId)).toEqual([bo.id]);
    await expectCohortError(
      h.services.events.listRegistrations(ada.id, event.id, { status: 'gone' as never }),
      'VALIDATION',
    );
    expect(await h.services.events.getEvent(event.id)).toMatchObject({ registeredCount: 1, waitlistCount: 1 });
  });
});
