import { activityVerbs, type ActivityVerb, type DailyCount } from '@cohort/core';
import { DAY, streamRng, streams, type GeneratorContext } from './generator-context.js';
import type { CommunitiesPlan } from './plan-communities.js';
import type { ContentsPlan, EnrollmentsPlan } from './plan-contents.js';
import type { EventsPlan } from './plan-events.js';
import type { PostsPlan } from './plan-posts.js';
import type { UsersPlan } from './plan-users.js';
import { allocate } from './sampling.js';

/** What a derived activity event comes from; each source has one verb. */
export const sources = {
  signedUp: 0,
  signedIn: 1,
  published: 2,
  enrolled: 3,
  progressed: 4,
  completed: 5,
  communityCreated: 6,
  joined: 7,
  eventCreated: 8,
  registered: 9,
  waitlisted: 10,
  cancelled: 11,
  attended: 12,
  posted: 13,
  commented: 14,
  reacted: 15,
} as const;

const sourceVerbs: readonly ActivityVerb[] = [
  'signed_up',
  'signed_in',
  'published',
  'enrolled',
  'progressed',
  'completed',
  'created',
  'joined',
  'created',
  'registered',
  'waitlisted',
  'cancelled',
  'attended',
  'posted',
  'commented',
  'reacted',
];

const verbIndex = new Map<ActivityVerb, number>(activityVerbs.map((verb, index) => [verb, index]));
export const sourceVerbIndex = sourceVerbs.map((verb) => verbIndex.get(verb)!);
const SIGNED_IN = verbIndex.get('signed_in')!;
const VIEWED = verbIndex.get('viewed')!;

/** Views per session, on average: sessions are one sign-in followed by views of content, posts and events. */
const VIEWS_PER_SESSION = 3;

/**
 * The activity log, planned day by day so it can be streamed: the events every other record implies (sign-ups,
 * enrollments, registrations, posts...) when they fall inside the window, each active user's sign-in in the last
 * 30 days, lapsed users' older sign-ins, and sessions (a sign-in plus views) that fill the log up to its target,
 * more on weekdays and around popular events. Per-day counts are known before any event is built.
 */
export interface ActivityPlan {
  readonly days: number;
  /** Epoch day number (ms / DAY) of day 0. */
  readonly firstDay: number;
  readonly total: number;
  readonly refSource: Uint8Array;
  readonly refIndex: Int32Array;
  readonly refAt: Float64Array;
  /** Derived events of day d are `dayRefs[dayRefStart[d] .. dayRefStart[d + 1]]`. */
  readonly dayRefStart: Int32Array;
  readonly dayRefs: Int32Array;
  readonly daySessions: Int32Array;
  readonly dayViews: Int32Array;
  /** The ordinal of each day's first event in the whole log. */
  readonly dayOffset: Float64Array;
  /** Counts per day and verb: `verbCounts[d * activityVerbs.length + verb]`. */
  readonly verbCounts: Int32Array;
  readonly dailyCounts: readonly DailyCount[];
}

interface Plans {
  users: UsersPlan;
  contents: ContentsPlan;
  enrollments: EnrollmentsPlan;
  communities: CommunitiesPlan;
  posts: PostsPlan;
  events: EventsPlan;
}

export function planActivity(context: GeneratorContext, plans: Plans): ActivityPlan {
  const { now, windowStart, activeSince, sizes } = context;
  const { users, contents, enrollments, communities, posts, events } = plans;
  const refSource: number[] = [];
  const refIndex: number[] = [];
  const refAt: number[] = [];
  const add = (source: number, index: number, at: number) => {
    if (at < windowStart || at >= now || Number.isNaN(at)) return;
    refSource.push(source);
    refIndex.push(index);
    refAt.push(at);
  };

  const rng = streamRng(context, streams.signIns);
  for (let user = 0; user < users.count; user += 1) {
    const created = users.createdAt[user]!;
    add(sources.signedUp, user, created);
    if (users.active[user]) {
      // The definition of an active user: at least one sign-in in the last 30 days.
      add(sources.signedIn, user, rng.instant(Math.max(created, activeSince), now));
    } else {
      // Lapsed users: around during the window, gone before the last 30 days.
      const from = Math.max(created, windowStart);
      const until = users.activeUntil[user]!;
      if (from < until) {
        // About one sign-in every ten days while they were around.
        const times = Math.floor((until - from) / (10 * DAY) + rng.next());
        for (let i = 0; i < times; i += 1) add(sources.signedIn, user, rng.instant(from, until));
      }
    }
  }
  for (let content = 0; content < contents.count; content += 1) {
    add(sources.published, content, contents.publishedAt[content]!);
  }
  for (let e = 0; e < enrollments.count; e += 1) {
    add(sources.enrolled, e, enrollments.enrolledAt[e]!);
    if (enrollments.progress[e] === 100) add(sources.completed, e, enrollments.completedAt[e]!);
    else if (enrollments.updatedAt[e]! > enrollments.enrolledAt[e]!)
      add(sources.progressed, e, enrollments.updatedAt[e]!);
  }
  for (let c = 0; c < communities.count; c += 1) add(sources.communityCreated, c, communities.createdAt[c]!);
  for (let slot = 0; slot < communities.memberships; slot += 1) {
    if (communities.memberRole[slot] !== 0) add(sources.joined, slot, communities.memberJoined[slot]!);
  }
  for (let e = 0; e < events.count; e += 1) add(sources.eventCreated, e, events.createdAt[e]!);
  for (let r = 0; r < events.registrations; r += 1) {
    add(events.regSeatedOnArrival[r] ? sources.registered : sources.waitlisted, r, events.regAt[r]!);
    const status = events.regStatus[r];
    if (status === 2) add(sources.cancelled, r, events.regUpdatedAt[r]!);
    if (status === 3) add(sources.attended, r, events.regUpdatedAt[r]!);
  }
  for (let p = 0; p < posts.count; p += 1) add(sources.posted, p, posts.createdAt[p]!);
  for (let c = 0; c < posts.comments; c += 1) add(sources.commented, c, posts.commentAt[c]!);
  for (let r = 0; r < posts.reactions; r += 1) add(sources.reacted, r, posts.reactionAt[r]!);

  const firstDay = Math.floor(windowStart / DAY);
  const days = Math.floor((now - 1) / DAY) - firstDay + 1;
  const verbs = activityVerbs.length;
  const verbCounts = new Int32Array(days * verbs);
  const dayRefStart = new Int32Array(days + 1);
  for (let i = 0; i < refAt.length; i += 1) {
    const day = Math.floor(refAt[i]! / DAY) - firstDay;
    dayRefStart[day + 1] = dayRefStart[day + 1]! + 1;
    const cell = day * verbs + sourceVerbIndex[refSource[i]!]!;
    verbCounts[cell] = verbCounts[cell]! + 1;
  }
  for (let d = 0; d < days; d += 1) dayRefStart[d + 1] = dayRefStart[d + 1]! + dayRefStart[d]!;
  const cursor = dayRefStart.slice(0, days);
  const dayRefs = new Int32Array(refAt.length);
  for (let i = 0; i < refAt.length; i += 1) {
    const day = Math.floor(refAt[i]! / DAY) - firstDay;
    dayRefs[cursor[day]!] = i;
    cursor[day] = cursor[day]! + 1;
  }

  // Weekdays busier than weekends, a slow growth, bursts on event days.
  // Sessions fill the log up to its target, and are never less than a fifth of it.
  const filler = Math.max(sizes.activity - refAt.length, Math.ceil(sizes.activity / 5));
  const sessions = Math.ceil(filler / (1 + VIEWS_PER_SESSION));
  const eventLoad = new Float64Array(days);
  let loadSum = 0;
  for (let e = 0; e < events.count; e += 1) {
    if (events.cancelled[e]) continue;
    const day = Math.floor(events.startsAt[e]! / DAY) - firstDay;
    const load = events.regStart[e + 1]! - events.regStart[e]!;
    for (const [offset, share] of [
      [0, 1],
      [-1, 0.4],
    ] as const) {
      if (day + offset >= 0 && day + offset < days) {
        eventLoad[day + offset] = eventLoad[day + offset]! + load * share;
        loadSum += load * share;
      }
    }
  }
  const weights = new Float64Array(days);
  for (let d = 0; d < days; d += 1) {
    const start = Math.max((firstDay + d) * DAY, windowStart);
    const end = Math.min((firstDay + d + 1) * DAY, now);
    const weekday = new Date(start).getUTCDay();
    const burst = loadSum > 0 ? Math.min(8, (eventLoad[d]! * days) / loadSum) : 0;
    weights[d] =
      ((end - start) / DAY) * (weekday === 0 || weekday === 6 ? 0.35 : 1) * (0.8 + (0.4 * d) / days) * (1 + burst);
  }
  const daySessions = allocate(sessions, weights);
  const dayViews = allocate(filler - sessions, daySessions);

  const dayOffset = new Float64Array(days);
  let total = 0;
  const dailyCounts: DailyCount[] = [];
  const sortedVerbs = activityVerbs
    .map((verb, index) => ({ verb, index }))
    .sort((a, b) => a.verb.localeCompare(b.verb));
  for (let d = 0; d < days; d += 1) {
    dayOffset[d] = total;
    verbCounts[d * verbs + SIGNED_IN] = verbCounts[d * verbs + SIGNED_IN]! + daySessions[d]!;
    verbCounts[d * verbs + VIEWED] = verbCounts[d * verbs + VIEWED]! + dayViews[d]!;
    const day = new Date((firstDay + d) * DAY).toISOString().slice(0, 10);
    for (const { verb, index } of sortedVerbs) {
      const count = verbCounts[d * verbs + index]!;
      if (count > 0) dailyCounts.push({ day, verb, count });
      total += count;
    }
  }

  return {
    days,
    firstDay,
    total,
    refSource: Uint8Array.from(refSource),
    refIndex: Int32Array.from(refIndex),
    refAt: Float64Array.from(refAt),
    dayRefStart,
    dayRefs,
    daySessions,
    dayViews,
    dayOffset,
    verbCounts,
    dailyCounts,
  };
}
