import { registrationStatuses, type Event, type Registration } from '@cohort/core';
import { deterministicId } from './deterministic-ids.js';
import { DAY, HOUR, MINUTE, streamRng, streams, type GeneratorContext } from './generator-context.js';
import { hash32, Rng } from './prng.js';
import type { CommunitiesPlan } from './plan-communities.js';
import { pickActor, type UsersPlan } from './plan-users.js';
import { WeightedSampler } from './sampling.js';
import { paragraph, topicTitle, topics } from './text.js';

const REGISTERED = 0;
const WAITLISTED = 1;
const CANCELLED = 2;
const ATTENDED = 3;
const DURATIONS = [30, 45, 60, 60, 90, 120, 180, 240];

export interface EventsPlan {
  readonly count: number;
  readonly ids: readonly string[];
  readonly host: Int32Array;
  /** -1 when the event belongs to no community. */
  readonly community: Int32Array;
  readonly createdAt: Float64Array;
  readonly updatedAt: Float64Array;
  readonly startsAt: Float64Array;
  readonly endsAt: Float64Array;
  readonly capacity: Int32Array;
  readonly cancelled: Uint8Array;
  readonly registeredCount: Int32Array;
  readonly waitlistCount: Int32Array;
  /** Event e's registrations are `regStart[e] .. regStart[e + 1]`, in position order (position = offset + 1). */
  readonly regStart: Int32Array;
  readonly registrations: number;
  readonly regUser: Int32Array;
  /** The event of each registration. */
  readonly regEvent: Int32Array;
  readonly regStatus: Uint8Array;
  /** Whether the user got a seat on arrival (the `registered` rather than `waitlisted` activity). */
  readonly regSeatedOnArrival: Uint8Array;
  readonly regAt: Float64Array;
  readonly regUpdatedAt: Float64Array;
}

interface Arrival {
  user: number;
  at: number;
  /** NaN when the registration is never cancelled. */
  cancelAt: number;
}

/**
 * Replays one event's arrivals and cancellations in time order with the stores' rules: a seat while one is free,
 * else the waitlist; a cancelled seat goes to the earliest waitlisted. So counts, statuses and positions are what
 * a store would hold had the same calls been made.
 */
function replay(arrivals: readonly Arrival[], capacity: number) {
  const status = new Uint8Array(arrivals.length);
  const seatedOnArrival = new Uint8Array(arrivals.length);
  const updatedAt = new Float64Array(arrivals.length);
  const steps: { at: number; index: number; cancel: boolean }[] = [];
  arrivals.forEach((arrival, index) => {
    steps.push({ at: arrival.at, index, cancel: false });
    if (!Number.isNaN(arrival.cancelAt)) steps.push({ at: arrival.cancelAt, index, cancel: true });
  });
  steps.sort((a, b) => a.at - b.at || Number(a.cancel) - Number(b.cancel) || a.index - b.index);
  const waitlist: number[] = [];
  let head = 0;
  let seated = 0;
  for (const step of steps) {
    const index = step.index;
    if (!step.cancel) {
      updatedAt[index] = step.at;
      if (seated < capacity) {
        status[index] = REGISTERED;
        seatedOnArrival[index] = 1;
        seated += 1;
      } else {
        status[index] = WAITLISTED;
        waitlist.push(index);
      }
      continue;
    }
    const wasSeated = status[index] === REGISTERED;
    status[index] = CANCELLED;
    updatedAt[index] = step.at;
    if (!wasSeated) continue;
    seated -= 1;
    while (head < waitlist.length && status[waitlist[head]!] !== WAITLISTED) head += 1;
    if (head < waitlist.length) {
      const promoted = waitlist[head]!;
      head += 1;
      status[promoted] = REGISTERED;
      updatedAt[promoted] = step.at;
      seated += 1;
    }
  }
  return { status, seatedOnArrival, updatedAt };
}

export function planEvents(context: GeneratorContext, users: UsersPlan, communities: CommunitiesPlan): EventsPlan {
  const { sizes, now, windowStart } = context;
  const count = sizes.events;
  const rng = streamRng(context, streams.events);
  const host = new Int32Array(count);
  const community = new Int32Array(count);
  const createdAt = new Float64Array(count);
  const updatedAt = new Float64Array(count);
  const startsAt = new Float64Array(count);
  const endsAt = new Float64Array(count);
  const capacity = new Int32Array(count);
  const cancelled = new Uint8Array(count);
  const ids: string[] = new Array<string>(count);
  const communityWeights = new Float64Array(communities.count);
  for (let c = 0; c < communities.count; c += 1) {
    communityWeights[c] = (communities.memberStart[c + 1]! - communities.memberStart[c]!) ** 0.7;
  }
  const communitySampler = new WeightedSampler(communityWeights);

  const closesAt = new Float64Array(count);
  for (let e = 0; e < count; e += 1) {
    const starts =
      Math.floor((windowStart - 30 * DAY + rng.next() * (now + 45 * DAY - windowStart + 30 * DAY)) / DAY) * DAY +
      rng.intBetween(8 * 4, 18 * 4) * 15 * MINUTE;
    startsAt[e] = starts;
    endsAt[e] = starts + rng.pick(DURATIONS) * MINUTE;
    const announced = starts - rng.instant(7 * DAY, 45 * DAY);
    const created = Math.max(
      context.historyStart + DAY,
      announced < now ? announced : now - rng.instant(HOUR, 7 * DAY),
    );
    createdAt[e] = created;
    cancelled[e] = rng.chance(0.03) ? 1 : 0;
    // Registration closes when the event starts, is cancelled, or (for what has not happened yet) now.
    closesAt[e] = cancelled[e] ? rng.instant(created, Math.min(starts, now)) : Math.min(starts, now);

    // Community events are hosted by one of its active members; otherwise by any active user.
    let chosenHost = -1;
    let chosenCommunity = -1;
    if (communities.count > 0 && rng.chance(0.5)) {
      const c = communitySampler.sample(rng);
      const start = communities.memberStart[c]!;
      const size = communities.memberStart[c + 1]! - start;
      for (let attempt = 0; attempt < 30 && chosenHost < 0; attempt += 1) {
        const slot = start + rng.int(size);
        const member = communities.memberUser[slot]!;
        if (users.active[member] && communities.memberJoined[slot]! <= created) {
          chosenHost = member;
          chosenCommunity = c;
        }
      }
    }
    for (let attempt = 0; attempt < 30 && chosenHost < 0; attempt += 1) {
      const candidate = users.activeList[rng.int(users.activeList.length)]!;
      if (users.createdAt[candidate]! <= created) chosenHost = candidate;
    }
    host[e] = chosenHost < 0 ? users.activeList[0]! : chosenHost;
    community[e] = chosenCommunity;
    ids[e] = deterministicId(created, 'events', e, context.seedHash);
  }

  // Demand is heavy-tailed. Registrations pile up as an event nears (t = starts - lead * r^2): `before[e]` is the
  // r below which they would fall after registration closed, so an upcoming event holds only those made so far.
  const popularity = new Float64Array(count);
  const before = new Float64Array(count);
  let weightSum = 0;
  for (let e = 0; e < count; e += 1) {
    popularity[e] = Math.min(rng.pareto(1.3), 40);
    const lead = startsAt[e]! - createdAt[e]!;
    before[e] = Math.sqrt(Math.max(0, startsAt[e]! - closesAt[e]!) / lead);
    weightSum += popularity[e]! * (1 - before[e]!);
  }
  const sorted = Array.from(popularity).sort((a, b) => b - a);
  const popularFrom = sorted[Math.max(0, Math.ceil(count / 10) - 1)] ?? 0;
  const minCapacity = users.count >= 200 ? 20 : Math.max(2, Math.floor(users.count / 10));
  const demand = new Int32Array(count);
  for (let e = 0; e < count; e += 1) {
    const share = weightSum > 0 ? (popularity[e]! * (1 - before[e]!)) / weightSum : 0;
    demand[e] = Math.min(users.count, Math.round(sizes.registrations * share));
    // The most popular tenth get fewer seats than their eventual demand, hence a waitlist.
    const eventual = demand[e]! / Math.max(0.05, 1 - before[e]!);
    if (popularity[e]! >= popularFrom && eventual > minCapacity) {
      capacity[e] = Math.max(minCapacity, Math.min(500, Math.round(eventual * (0.5 + rng.next() * 0.35))));
    } else {
      // The others get room for everyone, unless they outgrow the largest rooms.
      const room = Math.round(Math.exp(Math.log(minCapacity) + rng.next() * Math.log(500 / minCapacity)));
      capacity[e] = Math.min(500, Math.max(room, Math.ceil(eventual * 1.2)));
    }
  }

  const regRng = streamRng(context, streams.registrations);
  const regStart = new Int32Array(count + 1);
  const regUser: number[] = [];
  const regEvent: number[] = [];
  const regStatus: number[] = [];
  const regSeated: number[] = [];
  const regAt: number[] = [];
  const regUpdated: number[] = [];
  const registeredCount = new Int32Array(count);
  const waitlistCount = new Int32Array(count);
  for (let e = 0; e < count; e += 1) {
    regStart[e] = regUser.length;
    const starts = startsAt[e]!;
    const created = createdAt[e]!;
    const closes = closesAt[e]!;
    const arrivals: Arrival[] = [];
    if (closes - created >= 2) {
      const times = new Float64Array(demand[e]!);
      // Registrations pile up as the event nears: bursts before big events.
      for (let i = 0; i < times.length; i += 1) {
        const r = before[e]! + (1 - before[e]!) * regRng.next();
        times[i] = Math.min(closes - 1, Math.max(created, Math.floor(starts - (starts - created) * r * r)));
      }
      times.sort();
      const seen = new Set<number>();
      const c = community[e]!;
      for (const at of times) {
        for (let attempt = 0; attempt < 30; attempt += 1) {
          let user: number;
          if (c >= 0 && regRng.chance(0.5)) {
            const start = communities.memberStart[c]!;
            user = communities.memberUser[start + regRng.int(communities.memberStart[c + 1]! - start)]!;
          } else {
            user = pickActor(users, regRng, 0.8);
          }
          const until = Math.min(users.activeUntil[user]!, closes);
          if (seen.has(user) || users.createdAt[user]! > at || at >= users.activeUntil[user]!) continue;
          seen.add(user);
          // Some change their minds a few days later (if that is before registration closes).
          const changeOfMind = at + 1 + Math.floor(regRng.exponential(3 * DAY));
          const cancelAt = regRng.chance(0.1) && changeOfMind < until ? changeOfMind : Number.NaN;
          arrivals.push({ user, at, cancelAt });
          break;
        }
      }
    }
    const { status, seatedOnArrival, updatedAt: regUpdatedAt } = replay(arrivals, capacity[e]!);
    const past = endsAt[e]! <= now && !cancelled[e];
    let latest = cancelled[e] ? closes : created;
    arrivals.forEach((arrival, i) => {
      let state = status[i]!;
      let changed = regUpdatedAt[i]!;
      if (past && state === REGISTERED && regRng.chance(0.75)) {
        const attendedAt = regRng.instant(starts, endsAt[e]!);
        if (attendedAt < users.activeUntil[arrival.user]!) {
          state = ATTENDED;
          changed = attendedAt;
        }
      }
      if (state === REGISTERED || state === ATTENDED) registeredCount[e] = registeredCount[e]! + 1;
      if (state === WAITLISTED) waitlistCount[e] = waitlistCount[e]! + 1;
      regUser.push(arrival.user);
      regEvent.push(e);
      regStatus.push(state);
      regSeated.push(seatedOnArrival[i]!);
      regAt.push(arrival.at);
      regUpdated.push(changed);
      if (changed > latest && changed < now) latest = changed;
    });
    updatedAt[e] = latest;
  }
  regStart[count] = regUser.length;

  return {
    count,
    ids,
    host,
    community,
    createdAt,
    updatedAt,
    startsAt,
    endsAt,
    capacity,
    cancelled,
    registeredCount,
    waitlistCount,
    regStart,
    registrations: regUser.length,
    regUser: Int32Array.from(regUser),
    regEvent: Int32Array.from(regEvent),
    regStatus: Uint8Array.from(regStatus),
    regSeatedOnArrival: Uint8Array.from(regSeated),
    regAt: Float64Array.from(regAt),
    regUpdatedAt: Float64Array.from(regUpdated),
  };
}

export function eventRecord(
  context: GeneratorContext,
  plan: EventsPlan,
  users: UsersPlan,
  communities: CommunitiesPlan,
  event: number,
): Event {
  const rng = new Rng(hash32(context.seedHash, streams.events, event, 1));
  const c = plan.community[event]!;
  const changes = (plan.updatedAt[event]! > plan.createdAt[event]! ? 1 : 0) + (plan.cancelled[event] ? 1 : 0);
  return {
    id: plan.ids[event]!,
    title: topicTitle(rng, rng.pick(topics)),
    description: rng.chance(0.1) ? '' : paragraph(rng, 4),
    hostId: users.ids[plan.host[event]!]!,
    communityId: c < 0 ? null : communities.ids[c]!,
    startsAt: new Date(plan.startsAt[event]!),
    endsAt: new Date(plan.endsAt[event]!),
    capacity: plan.capacity[event]!,
    registeredCount: plan.registeredCount[event]!,
    waitlistCount: plan.waitlistCount[event]!,
    status: plan.cancelled[event] ? 'cancelled' : 'scheduled',
    createdAt: new Date(plan.createdAt[event]!),
    updatedAt: new Date(plan.updatedAt[event]!),
    version: 1 + changes + (rng.chance(0.2) ? 1 : 0),
  };
}

export function registrationRecord(plan: EventsPlan, users: UsersPlan, event: number, index: number): Registration {
  return {
    eventId: plan.ids[event]!,
    userId: users.ids[plan.regUser[index]!]!,
    status: registrationStatuses[plan.regStatus[index]!]!,
    position: index - plan.regStart[event]! + 1,
    registeredAt: new Date(plan.regAt[index]!),
    updatedAt: new Date(plan.regUpdatedAt[index]!),
  };
}
