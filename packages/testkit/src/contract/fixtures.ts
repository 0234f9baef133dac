import {
  newId,
  type CohortStore,
  type Community,
  type Content,
  type CreateCommunityInput,
  type CreateContentInput,
  type CreateEventInput,
  type CreatePostInput,
  type CreateUserInput,
  type Event,
  type NewActivityEvent,
  type Post,
  type User,
} from '@cohort/core';
import type { TestClock } from '../clock/test-clock.js';

const HOUR = 3_600_000;

/**
 * Makes test data with unique ids, emails and slugs, so every test owns its records and assumes nothing about
 * what else the store holds (the suite may run against a shared store, in parallel).
 */
export class Fixtures {
  constructor(
    private readonly store: () => CohortStore,
    private readonly clock: TestClock,
  ) {}

  /** A fresh UUIDv7, e.g. for a user id in a context that does not check users. */
  id(): string {
    return newId();
  }

  /** A unique token: the random tail of a fresh id. */
  unique(): string {
    return newId().slice(-12);
  }

  email(): string {
    return `user-${this.unique()}@example.com`;
  }

  slug(prefix = 'community'): string {
    return `${prefix}-${this.unique()}`;
  }

  tag(): string {
    return `tag-${this.unique()}`;
  }

  user(input: Partial<CreateUserInput> = {}): Promise<User> {
    return this.store().users.create({ email: this.email(), displayName: 'Test User', ...input });
  }

  content(input: Partial<CreateContentInput> = {}): Promise<Content> {
    return this.store().contents.create({ kind: 'course', title: 'A course', authorId: this.id(), ...input });
  }

  async publishedContent(input: Partial<CreateContentInput> = {}): Promise<Content> {
    const draft = await this.content(input);
    return this.store().contents.update(draft.id, { status: 'published' }, draft.version);
  }

  /** A scheduled event a day from now (by the test clock), capacity 10 unless given. */
  event(input: Partial<CreateEventInput> = {}): Promise<Event> {
    const startsAt = new Date(this.clock.now().getTime() + 24 * HOUR);
    return this.store().events.create({
      title: 'An event',
      hostId: this.id(),
      startsAt,
      endsAt: new Date(startsAt.getTime() + 2 * HOUR),
      capacity: 10,
      ...input,
    });
  }

  community(input: Partial<CreateCommunityInput> = {}): Promise<Community> {
    return this.store().communities.create({ slug: this.slug(), name: 'A community', ownerId: this.id(), ...input });
  }

  /** A post; a new public community is made for it unless `communityId` is given. */
  async post(input: Partial<CreatePostInput> = {}): Promise<Post> {
    const communityId = input.communityId ?? (await this.community()).id;
    return this.store().posts.create({ authorId: this.id(), body: 'Hello, cohort', ...input, communityId });
  }

  /** An activity event with a fresh id and actor unless given (not yet appended). */
  activity(input: Partial<NewActivityEvent> = {}): NewActivityEvent {
    return {
      id: this.id(),
      actorId: this.id(),
      verb: 'viewed',
      object: { type: 'content', id: this.id() },
      occurredAt: this.clock.now(),
      ...input,
    };
  }
}
