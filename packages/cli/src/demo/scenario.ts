import {
  CohortError,
  type ActivityLog,
  type ActivityVerb,
  type CohortErrorCode,
  type CohortServices,
  type Enrollment,
  type EnrollmentRepository,
  type Post,
  type RecordSetName,
  type User,
} from '@cohort/core';
import type { GeneratedPlatform, TestClock } from '@cohort/testkit/generator';

/** What the scripted day needs: the services, two read-only ports for the summary, the clock, the seeded platform. */
export interface ScenarioInput {
  readonly services: CohortServices;
  /** For the course's enrolled/completed counts (no service reads them). */
  readonly enrollments: EnrollmentRepository;
  /** For the daily counts table (no service reads them). */
  readonly activity: ActivityLog;
  /** The clock every store and the services read: the scenario moves it through the day. */
  readonly clock: TestClock;
  /** The platform the stores were seeded with (its sample ids point the scenario at a busy community). */
  readonly platform: GeneratedPlatform;
  /** Called before each step, e.g. to show progress. */
  readonly onStep?: (step: string) => void;
}

/** A person of the scripted day. */
export interface DemoPerson {
  readonly name: string;
  readonly role: User['role'];
}

/** A use case the services refused, and why. */
export interface DemoRefusal {
  readonly actor: string;
  readonly action: string;
  /** The CohortError code, or `ALLOWED` if the services let it through (a bug the tests would catch). */
  readonly code: CohortErrorCode | 'ALLOWED';
}

export interface DemoFeedPost {
  readonly author: string;
  readonly body: string;
  readonly comments: number;
  readonly reactions: number;
}

export interface DemoDailyRow {
  readonly day: string;
  /** Count per column verb; verbs outside the columns are summed under `other`. */
  readonly counts: Readonly<Record<string, number>>;
  readonly total: number;
}

/**
 * Everything the scripted day did, with names instead of ids so that every wiring produces an equal value: the
 * tests compare it across wirings and the printer prints it.
 */
export interface DemoOutcome {
  readonly day: string;
  readonly seeded: Readonly<Record<RecordSetName, number>>;
  readonly people: readonly DemoPerson[];
  readonly course: {
    readonly title: string;
    readonly status: string;
    readonly tags: readonly string[];
    readonly learners: readonly { name: string; progress: number; status: string }[];
    readonly enrolled: number;
    readonly completed: number;
  };
  readonly event: {
    readonly title: string;
    readonly host: string;
    readonly capacity: number;
    /** Every registration in arrival order, as it was right after the eighth. */
    readonly registrations: readonly { name: string; position: number; status: string }[];
    readonly cancelledBy: string;
    /** Who got the freed seat: the earliest on the waitlist. */
    readonly promoted: string;
    readonly registeredAfter: readonly string[];
    readonly waitlistAfter: readonly string[];
    readonly registeredCount: number;
    readonly waitlistCount: number;
  };
  readonly privateCommunity: {
    readonly name: string;
    readonly members: readonly string[];
    readonly memberPosts: number;
  };
  readonly refusals: readonly DemoRefusal[];
  readonly community: {
    readonly name: string;
    readonly joined: readonly string[];
    readonly posted: number;
    readonly commented: number;
    readonly reacted: number;
    readonly memberCount: number;
  };
  readonly feed: {
    readonly community: string;
    readonly reader: string;
    readonly pageSize: number;
    readonly pages: readonly (readonly DemoFeedPost[])[];
  };
  readonly activity: {
    readonly from: string;
    readonly to: string;
    readonly columns: readonly string[];
    readonly rows: readonly DemoDailyRow[];
    /** Events the scripted day appended (the services record one per use case). */
    readonly appendedToday: number;
  };
}

/** The scripted day: 2026-06-01, the instant the generated platform ends. */
export const DEMO_DAY = '2026-06-01';
const MINUTE = 60_000;
const FEED_PAGE_SIZE = 5;
const TABLE_DAYS = 7;

const people = [
  { key: 'ada', name: 'Ada Lovelace', role: 'manager' },
  { key: 'grace', name: 'Grace Hopper', role: 'learner' },
  { key: 'alan', name: 'Alan Turing', role: 'learner' },
  { key: 'margaret', name: 'Margaret Hamilton', role: 'learner' },
  { key: 'edsger', name: 'Edsger Dijkstra', role: 'learner' },
  { key: 'barbara', name: 'Barbara Liskov', role: 'learner' },
  { key: 'donald', name: 'Donald Knuth', role: 'learner' },
  { key: 'frances', name: 'Frances Allen', role: 'learner' },
  { key: 'ken', name: 'Ken Thompson', role: 'learner' },
  { key: 'linus', name: 'Linus Torvalds', role: 'learner' },
] as const satisfies readonly { key: string; name: string; role: User['role'] }[];

type Key = (typeof people)[number]['key'];

/** Runs the scripted day through the services and returns what happened. */
export async function runDemoScenario(input: ScenarioInput): Promise<DemoOutcome> {
  const { services, clock, platform } = input;
  const step = (name: string) => input.onStep?.(name);
  const tick = (minutes = 1) => clock.advance(minutes * MINUTE);
  clock.freeze(new Date(`${DEMO_DAY}T09:00:00.000Z`));

  // People sign up; a second sign-up with a known email (in other letters) is refused.
  step('users register');
  const users = new Map<Key, User>();
  const names = new Map<string, string>();
  for (const person of people) {
    const user = await services.users.registerUser({
      email: `${person.key}@example.com`,
      displayName: person.name,
      role: person.role,
    });
    users.set(person.key, user);
    names.set(user.id, person.name);
    tick();
  }
  const id = (key: Key) => users.get(key)!.id;
  const refusals: DemoRefusal[] = [];
  const refused = async (actor: string, action: string, attempt: () => Promise<unknown>) => {
    refusals.push({ actor, action, code: await refusalCode(attempt) });
    tick();
  };
  await refused('Grace Hopper', 'sign up again as GRACE@example.com', () =>
    services.users.registerUser({ email: 'GRACE@example.com', displayName: 'Grace again' }),
  );

  // A course is written, published, taken and finished.
  step('a course is published and taken');
  const draft = await services.content.createContent(id('ada'), {
    kind: 'course',
    title: 'Designing Data-Intensive Platforms',
    summary: 'Ports, adapters and the stores behind them.',
    tags: ['Architecture', 'data', 'DynamoDB'],
  });
  tick(5);
  const course = await services.content.publishContent(id('ada'), draft.id);
  tick();
  const learners: [Key, number[]][] = [
    ['grace', [40, 100]],
    ['alan', [100]],
    ['margaret', [30, 60]],
    ['edsger', [25]],
  ];
  for (const [key] of learners) {
    await services.content.enroll(id(key), course.id);
    tick();
  }
  const progress: { name: string; progress: number; status: string }[] = [];
  for (const [key, steps] of learners) {
    let last: Enrollment | undefined;
    for (const value of steps) {
      last = await services.content.recordProgress(id(key), course.id, value);
      tick(10);
    }
    progress.push({ name: names.get(id(key))!, progress: last?.progress ?? 0, status: last?.status ?? 'enrolled' });
  }
  const counts = await input.enrollments.countsFor(course.id);

  // An event with 5 seats draws 8 registrations; a cancellation promotes the first on the waitlist.
  step('an event fills up and a seat changes hands');
  const startsAt = new Date(`2026-06-03T15:00:00.000Z`);
  const event = await services.events.createEvent(id('ada'), {
    title: 'Office hours: one table, many access patterns',
    description: 'Bring your queries.',
    startsAt,
    endsAt: new Date(startsAt.getTime() + 60 * MINUTE),
    capacity: 5,
  });
  tick();
  const registrants: Key[] = ['grace', 'alan', 'margaret', 'edsger', 'barbara', 'donald', 'frances', 'ken'];
  for (const key of registrants) {
    await services.events.registerForEvent(id(key), event.id);
    tick();
  }
  const before = await services.events.listRegistrations(id('ada'), event.id, {}, { limit: 20 });
  await services.events.cancelRegistration(id('alan'), event.id);
  tick();
  const registered = await services.events.listRegistrations(
    id('ada'),
    event.id,
    { status: 'registered' },
    { limit: 20 },
  );
  const waitlisted = await services.events.listRegistrations(
    id('ada'),
    event.id,
    { status: 'waitlisted' },
    { limit: 20 },
  );
  const after = (await services.events.getEvent(event.id))!;
  const firstWaitlisted = before.items.find((registration) => registration.status === 'waitlisted');
  const promoted = registered.items.find((registration) => registration.userId === firstWaitlisted?.userId);

  // A private community: members read and post, a non-member is refused at the door and at the feed.
  step('a private community keeps a non-member out');
  const guild = await services.communities.createCommunity(id('ada'), {
    slug: 'platform-guild',
    name: 'Platform Guild',
    description: 'Where the platform team argues about consistency models.',
    visibility: 'private',
  });
  tick();
  await services.communities.addMember(id('ada'), guild.id, id('grace'));
  tick();
  await services.posts.post(id('grace'), guild.id, 'Draft of the cut-over runbook is up for review.');
  tick();
  await refused('Linus Torvalds', 'read the Platform Guild feed', () => services.posts.readFeed(id('linus'), guild.id));
  await refused('Linus Torvalds', 'join the Platform Guild', () =>
    services.communities.joinCommunity(id('linus'), guild.id),
  );
  await refused('Linus Torvalds', 'post in the Platform Guild', () =>
    services.posts.post(id('linus'), guild.id, 'Let me in?'),
  );
  const guildMembers = await services.communities.listMembers(id('ada'), guild.id);
  const guildFeed = await services.posts.readFeed(id('grace'), guild.id);

  // The busiest public community of the seeded platform: people join, post, comment and react.
  step('posts, comments and reactions in a busy community');
  const square = await busiestPublicCommunity(services, platform);
  const joiners: Key[] = ['ada', 'grace', 'alan', 'margaret', 'edsger', 'ken'];
  for (const key of joiners) {
    await services.communities.joinCommunity(id(key), square.id);
    tick();
  }
  const bodies: [Key, string][] = [
    ['margaret', 'We moved the activity log to DynamoDB last week: the dashboards did not notice.'],
    ['grace', 'Office hours on Wednesday: bring the query you are most afraid of.'],
    ['ada', 'New course: Designing Data-Intensive Platforms. Four of you finished a module already.'],
  ];
  const posts: Post[] = [];
  for (const [key, body] of bodies) {
    posts.push(await services.posts.post(id(key), square.id, body));
    tick(3);
  }
  const [migrationPost, hoursPost, coursePost] = posts as [Post, Post, Post];
  const comments: [Key, Post, string][] = [
    ['alan', migrationPost, 'How long was the dual-write window?'],
    ['margaret', migrationPost, 'Four days, then a verify run with zero differences.'],
    ['edsger', hoursPost, 'Counting on it.'],
    ['ken', coursePost, 'Enrolled.'],
  ];
  for (const [key, post, body] of comments) {
    await services.posts.comment(id(key), post.id, body);
    tick();
  }
  const reactions: [Key, Post, 'like' | 'celebrate' | 'insightful' | 'support'][] = [
    ['ada', migrationPost, 'celebrate'],
    ['grace', migrationPost, 'insightful'],
    ['alan', migrationPost, 'insightful'],
    ['ken', migrationPost, 'like'],
    ['margaret', hoursPost, 'support'],
    ['edsger', coursePost, 'like'],
    ['edsger', coursePost, 'like'], // the same reaction twice counts once
  ];
  let reacted = 0;
  for (const [key, post, kind] of reactions) {
    if (await services.posts.react(id(key), post.id, kind)) reacted += 1;
    tick();
  }

  // Ken reads the feed page by page, newest first.
  step('the feed, page by page');
  const pages: DemoFeedPost[][] = [];
  let cursor: string | null | undefined;
  do {
    const page = await services.posts.readFeed(id('ken'), square.id, {
      limit: FEED_PAGE_SIZE,
      ...(cursor ? { cursor } : {}),
    });
    const items: DemoFeedPost[] = [];
    for (const post of page.items) {
      items.push({
        author: await displayName(services, names, post.authorId),
        body: post.body,
        comments: post.commentCount,
        reactions: Object.values(post.reactionCounts).reduce((sum, count) => sum + count, 0),
      });
    }
    pages.push(items);
    cursor = page.nextCursor;
  } while (cursor);
  const squareAfter = (await services.communities.getCommunity(square.id))!;

  // The activity log's counters for the last week, the scripted day included.
  step('the activity log counts the week');
  const to = DEMO_DAY;
  const from = new Date(Date.parse(`${DEMO_DAY}T00:00:00.000Z`) - (TABLE_DAYS - 1) * 86_400_000)
    .toISOString()
    .slice(0, 10);
  const daily = await input.activity.dailyCounts({ from, to });

  return {
    day: DEMO_DAY,
    seeded: platform.counts(),
    people: people.map(({ name, role }) => ({ name, role })),
    course: {
      title: course.title,
      status: course.status,
      tags: course.tags,
      learners: progress,
      enrolled: counts.enrolled,
      completed: counts.completed,
    },
    event: {
      title: event.title,
      host: names.get(event.hostId) ?? '?',
      capacity: event.capacity,
      registrations: before.items.map((registration) => ({
        name: names.get(registration.userId) ?? '?',
        position: registration.position,
        status: registration.status,
      })),
      cancelledBy: 'Alan Turing',
      promoted: promoted ? (names.get(promoted.userId) ?? '?') : '(nobody)',
      registeredAfter: registered.items.map((registration) => names.get(registration.userId) ?? '?'),
      waitlistAfter: waitlisted.items.map((registration) => names.get(registration.userId) ?? '?'),
      registeredCount: after.registeredCount,
      waitlistCount: after.waitlistCount,
    },
    privateCommunity: {
      name: guild.name,
      members: guildMembers.items.map((membership) => names.get(membership.userId) ?? '?'),
      memberPosts: guildFeed.items.length,
    },
    refusals,
    community: {
      name: square.name,
      joined: joiners.map((key) => names.get(id(key))!),
      posted: posts.length,
      commented: comments.length,
      reacted,
      memberCount: squareAfter.memberCount,
    },
    feed: { community: square.name, reader: 'Ken Thompson', pageSize: FEED_PAGE_SIZE, pages },
    activity: { from, to, ...dailyTable(daily, daysFrom(from, TABLE_DAYS)), appendedToday: sumDay(daily, DEMO_DAY) },
  };
}

async function refusalCode(attempt: () => Promise<unknown>): Promise<CohortErrorCode | 'ALLOWED'> {
  try {
    await attempt();
    return 'ALLOWED';
  } catch (error) {
    if (CohortError.is(error)) return error.code;
    throw error;
  }
}

/** The seeded public community with the most members (the generator lists the biggest first). */
async function busiestPublicCommunity(services: CohortServices, platform: GeneratedPlatform) {
  for (const communityId of platform.sampleIds(50).communities) {
    const community = await services.communities.getCommunity(communityId);
    if (community?.visibility === 'public') return community;
  }
  throw new Error('the seeded platform has no public community');
}

async function displayName(services: CohortServices, names: Map<string, string>, userId: string): Promise<string> {
  const known = names.get(userId);
  if (known !== undefined) return known;
  const user = await services.users.getUser(userId);
  const name = user?.displayName ?? '(unknown)';
  names.set(userId, name);
  return name;
}

function daysFrom(from: string, count: number): string[] {
  const start = Date.parse(`${from}T00:00:00.000Z`);
  return Array.from({ length: count }, (_, index) => new Date(start + index * 86_400_000).toISOString().slice(0, 10));
}

function sumDay(daily: readonly { day: string; count: number }[], day: string): number {
  return daily.filter((row) => row.day === day).reduce((sum, row) => sum + row.count, 0);
}

/** The verbs the daily table shows a column for; the rest are summed under `other`. */
const TABLE_VERBS: readonly ActivityVerb[] = [
  'signed_in',
  'viewed',
  'enrolled',
  'completed',
  'registered',
  'posted',
  'commented',
  'reacted',
];

/** One row per day (zeros included), a column per verb of TABLE_VERBS, everything else under `other`. */
function dailyTable(daily: readonly { day: string; verb: ActivityVerb; count: number }[], days: readonly string[]) {
  const columns = [...TABLE_VERBS, 'other'];
  const rows = days.map((day) => {
    const counts: Record<string, number> = Object.fromEntries(columns.map((column) => [column, 0]));
    let total = 0;
    for (const row of daily) {
      if (row.day !== day) continue;
      const column = TABLE_VERBS.includes(row.verb) ? row.verb : 'other';
      counts[column] = (counts[column] ?? 0) + row.count;
      total += row.count;
    }
    return { day, counts, total };
  });
  return { columns, rows };
}
