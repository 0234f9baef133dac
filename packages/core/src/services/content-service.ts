import { parseProgress } from '../content/enrollment-changes.js';
import {
  createContentInputSchema,
  listPublishedFilterSchema,
  type Content,
  type CreateContentInput,
  type ListPublishedFilter,
} from '../content/content.schema.js';
import type { Enrollment } from '../content/enrollment.schema.js';
import { CohortError } from '../shared/cohort-error.js';
import { parsePageRequest, type Page, type PageRequest } from '../shared/page.js';
import { parseId } from '../shared/parse-id.js';
import { parseInput } from '../shared/validation.js';
import type { ServiceDeps } from './service-deps.js';
import { ActivityRecorder, UserLookup, inputObject, parseActorId, type ActivityFact } from './service-support.js';

export type ContentServiceDeps = Pick<ServiceDeps, 'users' | 'contents' | 'enrollments' | 'activity' | 'clock'>;

/** What `createContent` takes: the author is the actor. */
export type NewContentInput = Omit<CreateContentInput, 'authorId'>;

/** Authoring and publishing content, enrolling in it and recording progress. */
export class ContentService {
  private readonly contents: ContentServiceDeps['contents'];
  private readonly enrollments: ContentServiceDeps['enrollments'];
  private readonly lookup: UserLookup;
  private readonly activity: ActivityRecorder;

  constructor(deps: ContentServiceDeps) {
    this.contents = deps.contents;
    this.enrollments = deps.enrollments;
    this.lookup = new UserLookup(deps.users);
    this.activity = new ActivityRecorder(deps.activity, deps.clock);
  }

  /** Stores a draft authored by the actor and records `created`. */
  async createContent(actorId: string, input: NewContentInput): Promise<Content> {
    const actor = parseActorId(actorId);
    const parsed = parseInput(
      createContentInputSchema,
      { ...inputObject(input, 'content'), authorId: actor },
      'content',
    );
    await this.lookup.activeActor(actor);
    const content = await this.contents.create(parsed);
    await this.activity.record({
      actorId: actor,
      verb: 'created',
      object: { type: 'content', id: content.id },
      metadata: { kind: content.kind },
      change: { at: content.createdAt },
    });
    return content;
  }

  /**
   * Publishes a draft or archived item (its author or an admin; FORBIDDEN otherwise) and records `published`.
   * Publishing a published item changes nothing and records nothing; of racing publishes one wins, the others are
   * CONCURRENCY. The item keeps no time of its last publishing (`publishedAt` is the first), so a retry after a crash
   * between the write and the append cannot tell its own publishing from a later one and records nothing.
   */
  async publishContent(actorId: string, contentId: string): Promise<Content> {
    const actorKey = parseActorId(actorId);
    const id = parseId(contentId, 'contentId');
    const actor = await this.lookup.activeActor(actorKey);
    const content = await this.requireContent(id);
    if (content.authorId !== actor.id && actor.role !== 'admin') {
      throw CohortError.forbidden(`Only the author or an admin may publish content ${id}`);
    }
    if (content.status === 'published') return content;
    const published = await this.contents.update(id, { status: 'published' }, content.version);
    await this.activity.record({
      actorId: actor.id,
      verb: 'published',
      object: { type: 'content', id },
      metadata: { kind: published.kind },
      change: { at: published.updatedAt, keys: [published.version] },
    });
    return published;
  }

  /** The content item, or null. */
  async getContent(contentId: string): Promise<Content | null> {
    return this.contents.getById(parseId(contentId, 'contentId'));
  }

  /** Published items, newest first, optionally by tag and/or author. */
  async listPublished(filter?: ListPublishedFilter, page?: PageRequest): Promise<Page<Content>> {
    const parsed = parseInput(listPublishedFilterSchema, filter ?? {}, 'filter');
    return this.contents.listPublished(parsed, parsePageRequest(page));
  }

  /**
   * Enrolls the actor in published content (CONFLICT for a draft or archived item) and records `enrolled` once per
   * enrollment. Enrolling again returns the existing enrollment; its `enrolled` is appended again only if missing (a
   * retry after a crash) and only within the replay window.
   */
  async enroll(actorId: string, contentId: string): Promise<Enrollment> {
    const actor = parseActorId(actorId);
    const id = parseId(contentId, 'contentId');
    await this.lookup.activeActor(actor);
    const existing = await this.enrollments.get(actor, id);
    if (existing !== null) {
      await this.activity.replay(enrolledFact(existing));
      return existing;
    }
    const content = await this.requireContent(id);
    if (content.status !== 'published') {
      throw CohortError.conflict(`Content ${id} is ${content.status}: only published content takes enrollments`);
    }
    // A duplicate racing this call gets the same stored enrollment back, so both record the same event.
    const enrollment = await this.enrollments.enroll(actor, id);
    await this.activity.record(enrolledFact(enrollment));
    return enrollment;
  }

  /**
   * Raises the actor's progress (0–100; NOT_FOUND when not enrolled) and records `progressed`, plus `completed`
   * when it reaches 100 for the first time: once per progress reached. A progress below the current one changes and
   * records nothing; one equal to it appends the events of reaching it again only if missing (a retry after a
   * crash) and only within the replay window.
   */
  async recordProgress(actorId: string, contentId: string, progress: number): Promise<Enrollment> {
    const actor = parseActorId(actorId);
    const id = parseId(contentId, 'contentId');
    const value = parseProgress(progress);
    await this.lookup.activeActor(actor);
    const before = await this.enrollments.get(actor, id);
    if (before === null) throw CohortError.notFound('Enrollment of user', `${actor} in content ${id}`);
    if (value <= before.progress) {
      if (value === before.progress) await this.activity.replay(...progressFacts(before, null));
      return before;
    }
    // A duplicate racing this call gets the stored enrollment back (or one that went further), and the events
    // describe the stored progress, so racing calls record the same events.
    const after = await this.enrollments.recordProgress(actor, id, value);
    await this.activity.record(...progressFacts(after, before));
    return after;
  }

  /** The actor's enrollments, most recent first. */
  async listEnrollments(actorId: string, page?: PageRequest): Promise<Page<Enrollment>> {
    const actor = parseActorId(actorId);
    const request = parsePageRequest(page);
    await this.lookup.activeActor(actor);
    return this.enrollments.listByUser(actor, request);
  }

  private async requireContent(id: string): Promise<Content> {
    const content = await this.contents.getById(id);
    if (content === null) throw CohortError.notFound('Content', id);
    return content;
  }
}

/** The `enrolled` an enrollment records: one per enrollment, named by its user, content and `enrolledAt`. */
function enrolledFact(enrollment: Enrollment): ActivityFact {
  return {
    actorId: enrollment.userId,
    verb: 'enrolled',
    object: { type: 'content', id: enrollment.contentId },
    change: { at: enrollment.enrolledAt },
  };
}

/**
 * The events of the progress `after` holds, as far as it goes beyond `before` (everything it holds without one):
 * `progressed` named by the progress reached and when, `completed` by `completedAt`.
 */
function progressFacts(after: Enrollment, before: Enrollment | null): ActivityFact[] {
  const facts: ActivityFact[] = [];
  const object = { type: 'content', id: after.contentId } as const;
  if (after.progress > (before?.progress ?? 0)) {
    facts.push({
      actorId: after.userId,
      verb: 'progressed',
      object,
      metadata: { progress: after.progress },
      change: { at: after.updatedAt, keys: [after.progress] },
    });
  }
  if (after.completedAt !== null && before?.status !== 'completed') {
    facts.push({ actorId: after.userId, verb: 'completed', object, change: { at: after.completedAt } });
  }
  return facts;
}
