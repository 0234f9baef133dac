import { userRoles, type User } from '@cohort/core';
import { deterministicId } from './deterministic-ids.js';
import { DAY, HOUR, streamRng, streams, type GeneratorContext } from './generator-context.js';
import { hash32, Rng } from './prng.js';
import { sampleDistinct } from './sampling.js';
import { emailDomains, firstNames, lastNames, titleCase } from './text.js';

/** Who the users are and when they may act: every other record is placed inside these bounds. */
export interface UsersPlan {
  readonly count: number;
  readonly ids: readonly string[];
  readonly createdAt: Float64Array;
  /** Exclusive bound on the user's actions: `now` for active users, a time before the last 30 days otherwise. */
  readonly activeUntil: Float64Array;
  readonly active: Uint8Array;
  /** Active users in a random order; the first is the anchor, who joined before the activity window opened. */
  readonly activeList: Int32Array;
  readonly deactivated: Uint8Array;
  readonly role: Uint8Array;
}

export function planUsers(context: GeneratorContext): UsersPlan {
  const { sizes, now, historyStart, activeSince } = context;
  const count = sizes.users;
  const rng = streamRng(context, streams.users);
  const activeCount = Math.max(1, Math.min(sizes.activeUsers, count));
  const createdAt = new Float64Array(count);
  const role = new Uint8Array(count);
  // Sign-ups grow over time (r^0.8 leans late). Whoever signed up in the last 30 days is active; if that is more
  // users than there are active users, the surplus signed up earlier.
  const recent: number[] = [];
  const earlier: number[] = [];
  for (let user = 0; user < count; user += 1) {
    createdAt[user] = Math.floor(historyStart + (now - 2 * HOUR - historyStart) * rng.next() ** 0.8);
    if (createdAt[user]! >= activeSince - DAY && recent.length < activeCount) recent.push(user);
    else {
      if (createdAt[user]! >= activeSince - DAY) createdAt[user] = rng.instant(historyStart, activeSince - DAY);
      earlier.push(user);
    }
    const draw = rng.next();
    role[user] = draw < 0.02 ? 2 : draw < 0.12 ? 1 : 0;
  }
  const chosen = Array.from(sampleDistinct(rng, earlier.length, activeCount - recent.length), (i) => earlier[i]!);
  const activeList = Int32Array.from([...recent, ...chosen]);
  for (let i = activeList.length - 1; i > 0; i -= 1) {
    const j = rng.int(i + 1);
    [activeList[i], activeList[j]] = [activeList[j]!, activeList[i]!];
  }
  const active = new Uint8Array(count);
  for (const user of activeList) active[user] = 1;
  // The anchor can act on every day of the window, so a session always finds an actor.
  createdAt[activeList[0]!] = historyStart + HOUR;

  const activeUntil = new Float64Array(count);
  const deactivated = new Uint8Array(count);
  const ids: string[] = new Array<string>(count);
  for (let user = 0; user < count; user += 1) {
    const created = createdAt[user]!;
    // Inactive users stopped coming at some time before the last 30 days: some during the window (lapsed users).
    activeUntil[user] = active[user] ? now : Math.max(created + HOUR, rng.instant(created, activeSince));
    deactivated[user] = !active[user] && rng.chance(0.05) ? 1 : 0;
    ids[user] = deterministicId(created, 'users', user, context.seedHash);
  }
  return { count, ids, createdAt, activeUntil, active, activeList, deactivated, role };
}

/** How long a user is around from `from` on, relative to half a year (capped at 1): the odds they do something. */
export function presence(plan: UsersPlan, user: number, from: number): number {
  return Math.min(1, (plan.activeUntil[user]! - from) / (180 * DAY));
}

/** Picks a user who is likely to act: mostly active users (power users first), sometimes anyone. */
export function pickActor(plan: UsersPlan, rng: Rng, activeShare: number): number {
  if (rng.chance(activeShare)) return plan.activeList[rng.skewed(plan.activeList.length, 1.6)]!;
  return rng.int(plan.count);
}

export function userRecord(context: GeneratorContext, plan: UsersPlan, user: number): User {
  const rng = new Rng(hash32(context.seedHash, streams.users, user, 1));
  const first = rng.pick(firstNames);
  const last = rng.pick(lastNames);
  const createdAt = plan.createdAt[user]!;
  let updatedAt = createdAt;
  let version = 1;
  if (plan.deactivated[user]) {
    updatedAt = rng.instant(plan.activeUntil[user]!, context.now);
    version = rng.intBetween(2, 3);
  } else if (rng.chance(0.3)) {
    updatedAt = rng.instant(createdAt, plan.activeUntil[user]!);
    version = rng.intBetween(2, 4);
  }
  return {
    id: plan.ids[user]!,
    // The index suffix keeps emails unique: last names hold no digits, so no two users can spell the same address.
    email: `${first}.${last}${user}@${rng.pick(emailDomains)}`,
    displayName: `${titleCase(first)} ${titleCase(last)}`,
    role: userRoles[plan.role[user]!]!,
    status: plan.deactivated[user] ? 'deactivated' : 'active',
    createdAt: new Date(createdAt),
    updatedAt: new Date(updatedAt),
    version,
  };
}
