import { contentKinds, type Content, type Enrollment } from '@cohort/core';
import { deterministicId } from './deterministic-ids.js';
import { DAY, HOUR, streamRng, streams, type GeneratorContext } from './generator-context.js';
import { hash32, Rng } from './prng.js';
import { pickActor, presence, type UsersPlan } from './plan-users.js';
import { makeTags, paragraph, topicTitle } from './text.js';

const DRAFT = 0;
const PUBLISHED = 1;
const ARCHIVED = 2;
const statusNames = ['draft', 'published', 'archived'] as const;

export interface ContentsPlan {
  readonly count: number;
  readonly ids: readonly string[];
  readonly tags: readonly string[];
  readonly author: Int32Array;
  readonly createdAt: Float64Array;
  /** NaN for drafts. */
  readonly publishedAt: Float64Array;
  readonly updatedAt: Float64Array;
  readonly status: Uint8Array;
  /** Published content, the only kind users enroll in or view. */
  readonly published: Int32Array;
}

export interface EnrollmentsPlan {
  readonly count: number;
  readonly user: Int32Array;
  readonly content: Int32Array;
  readonly progress: Uint8Array;
  readonly enrolledAt: Float64Array;
  /** NaN unless completed. */
  readonly completedAt: Float64Array;
  readonly updatedAt: Float64Array;
}

export function planContents(context: GeneratorContext, users: UsersPlan): ContentsPlan {
  const { sizes, now } = context;
  const count = sizes.contents;
  const rng = streamRng(context, streams.contents);
  const tags = makeTags(streamRng(context, streams.tags), Math.max(1, sizes.tags));
  // A small pool of prolific authors: active users who have been around for half a year at least (the anchor always).
  const veterans = users.activeList.filter((user) => users.createdAt[user]! <= now - 180 * DAY);
  const authors = veterans.slice(0, Math.max(1, Math.ceil(count / 8)));
  const author = new Int32Array(count);
  const createdAt = new Float64Array(count);
  const publishedAt = new Float64Array(count);
  const updatedAt = new Float64Array(count);
  const status = new Uint8Array(count);
  const ids: string[] = new Array<string>(count);
  const published: number[] = [];
  for (let content = 0; content < count; content += 1) {
    const writer = authors[rng.skewed(authors.length, 1.5)]!;
    author[content] = writer;
    const created = rng.instant(users.createdAt[writer]!, now - HOUR);
    createdAt[content] = created;
    const draw = rng.next();
    status[content] = draw < 0.8 ? PUBLISHED : draw < 0.92 ? DRAFT : ARCHIVED;
    if (status[content] === DRAFT) {
      publishedAt[content] = Number.NaN;
      updatedAt[content] = rng.chance(0.5) ? created : rng.instant(created, now);
    } else {
      const review = created + rng.instant(0, 14 * DAY);
      const publishedOn = review < now - HOUR ? review : rng.instant(created, now - HOUR);
      publishedAt[content] = publishedOn;
      updatedAt[content] =
        status[content] === ARCHIVED || rng.chance(0.3) ? rng.instant(publishedOn, now) : publishedOn;
      if (status[content] === PUBLISHED) published.push(content);
    }
    ids[content] = deterministicId(created, 'contents', content, context.seedHash);
  }
  return { count, ids, tags, author, createdAt, publishedAt, updatedAt, status, published: Int32Array.from(published) };
}

export function contentRecord(
  context: GeneratorContext,
  plan: ContentsPlan,
  users: UsersPlan,
  content: number,
): Content {
  const rng = new Rng(hash32(context.seedHash, streams.contents, content, 1));
  const tagCount = rng.intBetween(1, Math.min(5, plan.tags.length));
  const tags: string[] = [];
  while (tags.length < tagCount) {
    // Popular tags first: a few tags carry most of the catalogue.
    const tag = plan.tags[rng.skewed(plan.tags.length, 2)]!;
    if (!tags.includes(tag)) tags.push(tag);
  }
  const status = plan.status[content]!;
  const publishedAt = plan.publishedAt[content]!;
  return {
    id: plan.ids[content]!,
    kind: contentKinds[rng.chance(0.5) ? 0 : rng.chance(0.6) ? 1 : 2],
    title: topicTitle(rng, tags[0]!),
    summary: rng.chance(0.1) ? '' : paragraph(rng, 3),
    authorId: users.ids[plan.author[content]!]!,
    tags,
    status: statusNames[status]!,
    publishedAt: status === DRAFT ? null : new Date(publishedAt),
    createdAt: new Date(plan.createdAt[content]!),
    updatedAt: new Date(plan.updatedAt[content]!),
    version:
      status === DRAFT ? rng.intBetween(1, 2) : status === PUBLISHED ? rng.intBetween(2, 3) : rng.intBetween(3, 4),
  };
}

/**
 * Enrollments, unique per (user, content): 80% of them by active users (power learners first), in popular
 * content first, ~40% completed. Every time falls inside the learner's bounds and after the content was published.
 */
export function planEnrollments(context: GeneratorContext, users: UsersPlan, contents: ContentsPlan): EnrollmentsPlan {
  const target = contents.published.length === 0 ? 0 : context.sizes.enrollments;
  const rng = streamRng(context, streams.enrollments);
  const user = new Int32Array(target);
  const content = new Int32Array(target);
  const progress = new Uint8Array(target);
  const enrolledAt = new Float64Array(target);
  const completedAt = new Float64Array(target);
  const updatedAt = new Float64Array(target);
  const taken = new Set<number>();
  let count = 0;
  for (let attempt = 0; count < target && attempt < target * 8; attempt += 1) {
    // When first, then what: popular content already published at that time, so new items are not swamped.
    const learner = pickActor(users, rng, 0.8);
    const hi = users.activeUntil[learner]!;
    if (!rng.chance(presence(users, learner, users.createdAt[learner]!))) continue;
    const enrolled = rng.instant(users.createdAt[learner]!, hi);
    let item = -1;
    for (let pick = 0; pick < 10 && item < 0; pick += 1) {
      const candidate = contents.published[rng.skewed(contents.published.length, 1.8)]!;
      if (contents.publishedAt[candidate]! <= enrolled) item = candidate;
    }
    const key = learner * contents.count + item;
    if (item < 0 || taken.has(key)) continue;
    taken.add(key);
    user[count] = learner;
    content[count] = item;
    enrolledAt[count] = enrolled;
    // Learners finish within weeks or not at all; recent enrollments may not have got there yet.
    const completed = enrolled + Math.floor(rng.exponential(14 * DAY));
    const progressed = enrolled + Math.floor(rng.exponential(7 * DAY));
    if (rng.chance(0.43) && completed < hi) {
      progress[count] = 100;
      completedAt[count] = completed;
      updatedAt[count] = completed;
    } else if (rng.chance(0.75) && progressed < hi) {
      progress[count] = rng.intBetween(1, 99);
      completedAt[count] = Number.NaN;
      updatedAt[count] = progressed;
    } else {
      progress[count] = 0;
      completedAt[count] = Number.NaN;
      updatedAt[count] = enrolled;
    }
    count += 1;
  }
  return {
    count,
    user: user.subarray(0, count),
    content: content.subarray(0, count),
    progress: progress.subarray(0, count),
    enrolledAt: enrolledAt.subarray(0, count),
    completedAt: completedAt.subarray(0, count),
    updatedAt: updatedAt.subarray(0, count),
  };
}

export function enrollmentRecord(
  plan: EnrollmentsPlan,
  users: UsersPlan,
  contents: ContentsPlan,
  index: number,
): Enrollment {
  const completed = plan.progress[index] === 100;
  return {
    userId: users.ids[plan.user[index]!]!,
    contentId: contents.ids[plan.content[index]!]!,
    progress: plan.progress[index]!,
    status: completed ? 'completed' : 'enrolled',
    enrolledAt: new Date(plan.enrolledAt[index]!),
    completedAt: completed ? new Date(plan.completedAt[index]!) : null,
    updatedAt: new Date(plan.updatedAt[index]!),
  };
}
