import type { PlatformSizes } from './platform-scales.js';
import { hash32, Rng } from './prng.js';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** Salts of the random streams, one per planning step or kind of record, so adding one never shifts another. */
export const streams = {
  users: 1,
  contents: 2,
  enrollments: 3,
  communities: 4,
  memberships: 5,
  posts: 6,
  comments: 7,
  reactions: 8,
  events: 9,
  registrations: 10,
  signIns: 11,
  activityDay: 12,
  tags: 13,
} as const;

/** What every planning step shares: the seed, the sizes and the fixed instants everything is placed around. */
export interface GeneratorContext {
  readonly seedHash: number;
  readonly sizes: Readonly<PlatformSizes>;
  /** Epoch ms every time is anchored to; nothing happens at or after it. */
  readonly now: number;
  /** When the oldest users signed up. */
  readonly historyStart: number;
  /** Start of the activity log (inclusive). */
  readonly windowStart: number;
  /** Start of the "last 30 days": inactive users do nothing from here on. */
  readonly activeSince: number;
}

export function createContext(seed: number, sizes: Readonly<PlatformSizes>, now: number): GeneratorContext {
  const activeDays = Math.min(30, sizes.activityDays);
  const historyDays = Math.max(730, sizes.activityDays + 120);
  return {
    seedHash: hash32(seed >>> 0, Math.floor(seed / 2 ** 32)),
    sizes,
    now,
    historyStart: now - historyDays * DAY,
    windowStart: now - sizes.activityDays * DAY,
    activeSince: now - activeDays * DAY,
  };
}

/** A random stream for one planning step: consumed in a fixed order, so the plan is the same on every run. */
export function streamRng(context: GeneratorContext, stream: number, index = 0): Rng {
  return new Rng(hash32(context.seedHash, stream, index));
}
