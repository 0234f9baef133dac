import type { ActivityEvent, ActivityObject } from '@cohort/core';
import { deterministicId } from './deterministic-ids.js';
import { DAY, MINUTE, streamRng, streams } from './generator-context.js';
import { sources } from './plan-activity.js';
import { commentId } from './plan-posts.js';
import type { PlatformPlan } from './platform-plan.js';
import type { Rng } from './prng.js';

const CLIENTS = ['web', 'web', 'ios', 'android'] as const;

type Pending = Omit<ActivityEvent, 'id'> & { at: number };

/** The object and metadata of an event derived from a record. */
function derivedEvent(plan: PlatformPlan, rng: Rng, source: number, index: number, at: number): Pending {
  const { users, contents, enrollments, communities, events, posts } = plan;
  const occurredAt = new Date(at);
  const make = (actor: number, verb: ActivityEvent['verb'], object: ActivityObject, metadata = {}): Pending => ({
    actorId: users.ids[actor]!,
    verb,
    object,
    occurredAt,
    metadata,
    at,
  });
  switch (source) {
    case sources.signedUp:
      return make(index, 'signed_up', { type: 'user', id: users.ids[index]! });
    case sources.signedIn:
      return make(index, 'signed_in', { type: 'user', id: users.ids[index]! }, { client: rng.pick(CLIENTS) });
    case sources.published:
      return make(contents.author[index]!, 'published', { type: 'content', id: contents.ids[index]! });
    case sources.enrolled:
    case sources.progressed:
    case sources.completed: {
      const verb = source === sources.enrolled ? 'enrolled' : source === sources.completed ? 'completed' : 'progressed';
      const metadata = source === sources.progressed ? { progress: enrollments.progress[index]! } : {};
      const object = { type: 'content', id: contents.ids[enrollments.content[index]!]! } as const;
      return make(enrollments.user[index]!, verb, object, metadata);
    }
    case sources.communityCreated:
      return make(communities.owner[index]!, 'created', { type: 'community', id: communities.ids[index]! });
    case sources.joined: {
      const object = { type: 'community', id: communities.ids[communities.memberCommunity[index]!]! } as const;
      const role = communities.memberRole[index] === 1 ? 'moderator' : 'member';
      return make(communities.memberUser[index]!, 'joined', object, { role });
    }
    case sources.eventCreated:
      return make(events.host[index]!, 'created', { type: 'event', id: events.ids[index]! });
    case sources.registered:
    case sources.waitlisted:
    case sources.cancelled:
    case sources.attended: {
      const event = events.regEvent[index]!;
      const verb =
        source === sources.registered
          ? 'registered'
          : source === sources.waitlisted
            ? 'waitlisted'
            : source === sources.cancelled
              ? 'cancelled'
              : 'attended';
      const metadata = source === sources.attended ? {} : { position: index - events.regStart[event]! + 1 };
      return make(events.regUser[index]!, verb, { type: 'event', id: events.ids[event]! }, metadata);
    }
    case sources.posted: {
      const community = communities.ids[posts.community[index]!]!;
      return make(posts.author[index]!, 'posted', { type: 'post', id: posts.ids[index]! }, { communityId: community });
    }
    case sources.commented: {
      const object = { type: 'comment', id: commentId(plan.context, posts, index) } as const;
      return make(posts.commentAuthor[index]!, 'commented', object, { postId: posts.ids[posts.commentPost[index]!]! });
    }
    default: {
      const object = { type: 'post', id: posts.ids[posts.reactionPost[index]!]! } as const;
      const kind = ['like', 'celebrate', 'insightful', 'support'][posts.reactionKind[index]!]!;
      return make(posts.reactionUser[index]!, 'reacted', object, { kind });
    }
  }
}

/** Something worth viewing: mostly published content, then posts (hot ones often), events and communities. */
function viewedObject(plan: PlatformPlan, rng: Rng): ActivityObject {
  const { contents, posts, events, communities, users } = plan;
  for (let attempt = 0; attempt < 4; attempt += 1) {
    const draw = rng.next();
    if (draw < 0.55 && contents.published.length > 0) {
      return { type: 'content', id: contents.ids[contents.published[rng.skewed(contents.published.length, 1.8)]!]! };
    }
    if (draw < 0.8 && posts.count > 0) {
      const post =
        posts.hot.length > 0 && rng.chance(0.1) ? posts.hot[rng.int(posts.hot.length)]! : rng.int(posts.count);
      return { type: 'post', id: posts.ids[post]! };
    }
    if (draw < 0.92 && events.count > 0) return { type: 'event', id: events.ids[rng.int(events.count)]! };
    if (communities.count > 0) return { type: 'community', id: communities.ids[rng.skewed(communities.count, 1.5)]! };
  }
  return { type: 'user', id: users.ids[rng.int(users.count)]! };
}

/** Every activity event of one UTC day of the window, in time order, with ids numbered across the whole log. */
export function activityOfDay(plan: PlatformPlan, day: number): ActivityEvent[] {
  const { context, users, activity } = plan;
  const rng = streamRng(context, streams.activityDay, day);
  const dayStart = Math.max((activity.firstDay + day) * DAY, context.windowStart);
  const dayEnd = Math.min((activity.firstDay + day + 1) * DAY, context.now);
  const pending: Pending[] = [];
  for (let k = activity.dayRefStart[day]!; k < activity.dayRefStart[day + 1]!; k += 1) {
    const ref = activity.dayRefs[k]!;
    pending.push(derivedEvent(plan, rng, activity.refSource[ref]!, activity.refIndex[ref]!, activity.refAt[ref]!));
  }

  const sessions = activity.daySessions[day]!;
  const sessionActor = new Int32Array(sessions);
  const sessionAt = new Float64Array(sessions);
  const recentDay = dayStart >= context.activeSince;
  for (let s = 0; s < sessions; s += 1) {
    let actor = users.activeList[0]!;
    let at = rng.instant(dayStart, dayEnd);
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const candidate =
        recentDay || rng.chance(0.85)
          ? users.activeList[rng.skewed(users.activeList.length, 1.6)]!
          : rng.int(users.count);
      const lo = Math.max(dayStart, users.createdAt[candidate]!);
      const hi = Math.min(dayEnd, users.activeUntil[candidate]!);
      if (lo < hi) {
        actor = candidate;
        at = rng.instant(lo, hi);
        break;
      }
    }
    sessionActor[s] = actor;
    sessionAt[s] = at;
    pending.push(derivedEvent(plan, rng, sources.signedIn, actor, at));
  }
  for (let v = 0; v < activity.dayViews[day]!; v += 1) {
    const s = rng.int(sessions);
    const actor = sessionActor[s]!;
    const latest = Math.min(dayEnd, users.activeUntil[actor]!) - 1;
    const at = Math.min(sessionAt[s]! + rng.int(40 * MINUTE), latest);
    pending.push({
      actorId: users.ids[actor]!,
      verb: 'viewed',
      object: viewedObject(plan, rng),
      occurredAt: new Date(at),
      metadata: { seconds: 5 + rng.int(900) },
      at,
    });
  }

  pending.sort((a, b) => a.at - b.at);
  const offset = activity.dayOffset[day]!;
  return pending.map(({ at, actorId, verb, object, occurredAt, metadata }, i) => ({
    id: deterministicId(at, 'activity', offset + i, context.seedHash),
    actorId,
    verb,
    object,
    occurredAt,
    metadata,
  }));
}
