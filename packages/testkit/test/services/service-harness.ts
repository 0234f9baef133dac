import {
  createServices,
  type ActivityEvent,
  type CohortServices,
  type CohortStore,
  type Community,
  type User,
  type UserRole,
} from '@cohort/core';
import { TestClock } from '../../src/clock/test-clock.js';
import { createMemoryStore } from '@cohort/adapters-memory';

export const T0 = new Date('2030-05-01T10:00:00.000Z');
export const HOUR = 3_600_000;

/** An appended activity event without its generated id: what a test asserts exactly. */
export type RecordedActivity = Omit<ActivityEvent, 'id'>;

export interface Harness {
  readonly clock: TestClock;
  readonly store: CohortStore;
  readonly services: CohortServices;
  /** A user made straight in the store (so no `signed_up` is recorded), unique per call. */
  user(role?: UserRole): Promise<User>;
  /** A user who has been deactivated. */
  deactivatedUser(): Promise<User>;
  /** Everything the log holds for one actor, newest first, ids dropped. */
  activityOf(actorId: string): Promise<RecordedActivity[]>;
  /** A community owned by `owner` with the given members and moderators (added straight in the store). */
  community(
    owner: User,
    options?: { visibility?: 'public' | 'private'; members?: User[]; moderators?: User[] },
  ): Promise<Community>;
}

let counter = 0;
const unique = (): string => `${Date.now().toString(36)}-${(counter += 1).toString(36)}`;

/** A fresh memory store and services over it, with the clock frozen at T0. */
export function createHarness(): Harness {
  const clock = new TestClock();
  clock.freeze(T0);
  const store = createMemoryStore({ clock });
  const services = createServices({ ...store, clock });

  const user = (role: UserRole = 'learner') =>
    store.users.create({ email: `user-${unique()}@example.com`, displayName: `User ${counter}`, role });

  return {
    clock,
    store,
    services,
    user,
    async deactivatedUser() {
      const created = await user();
      return store.users.update(created.id, { status: 'deactivated' }, created.version);
    },
    async activityOf(actorId) {
      const page = await store.activity.listByActor(actorId, undefined, { limit: 100 });
      return page.items.map(({ id: _id, ...rest }) => rest);
    },
    async community(owner, options = {}) {
      const community = await store.communities.create({
        slug: `community-${unique()}`,
        name: 'A community',
        visibility: options.visibility ?? 'public',
        ownerId: owner.id,
      });
      for (const member of options.members ?? []) await store.memberships.join(community.id, member.id);
      for (const moderator of options.moderators ?? []) {
        await store.memberships.join(community.id, moderator.id, 'moderator');
      }
      return community;
    },
  };
}
