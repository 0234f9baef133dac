/** The named sizes `generatePlatform` knows. */
export type PlatformScale = 'tiny' | 'small' | 'reference';

/**
 * Target sizes of a generated platform. They are targets: where an invariant requires it (unique natural keys,
 * capacities, users that cannot act before they exist) the actual counts differ slightly; `counts()` reports them.
 */
export interface PlatformSizes {
  /** Users in total. Exact. */
  users: number;
  /** Users with a `signed_in` activity event in the last 30 days (or the whole activity window if shorter). Exact. */
  activeUsers: number;
  /** Content items (courses, articles, videos). Exact. */
  contents: number;
  /** Distinct tags the content items draw their 1–5 tags from. */
  tags: number;
  /** Target enrollments; unique per (user, content), mostly among active users, ~40% completed. */
  enrollments: number;
  /** Communities. Exact. */
  communities: number;
  /** Target memberships (owners included), spread over long-tailed community sizes. */
  memberships: number;
  /** Posts. Exact when there is at least one community. */
  posts: number;
  /** Comments. Exact when there is at least one post. */
  comments: number;
  /** Target reactions; unique per (post, user, kind). */
  reactions: number;
  /** Events. Exact. */
  events: number;
  /** Target registrations; unique per (event, user). */
  registrations: number;
  /** Minimum activity events: sessions fill up to it after the events the other records imply. */
  activity: number;
  /** Days of activity log ending at `now`. */
  activityDays: number;
}

/** The sizes behind each named scale; `reference` is the case-study platform of DESIGN.md §4. */
export const platformScales: Readonly<Record<PlatformScale, Readonly<PlatformSizes>>> = {
  tiny: {
    users: 20,
    activeUsers: 6,
    contents: 8,
    tags: 10,
    enrollments: 30,
    communities: 4,
    memberships: 24,
    posts: 12,
    comments: 30,
    reactions: 40,
    events: 5,
    registrations: 30,
    activity: 400,
    activityDays: 30,
  },
  small: {
    users: 2_000,
    activeUsers: 341,
    contents: 60,
    tags: 30,
    enrollments: 4_000,
    communities: 20,
    memberships: 6_800,
    posts: 1_600,
    comments: 6_800,
    reactions: 10_800,
    events: 30,
    registrations: 2_700,
    activity: 20_000,
    activityDays: 90,
  },
  reference: {
    users: 73_717,
    activeUsers: 12_575,
    contents: 2_000,
    tags: 150,
    enrollments: 150_000,
    communities: 400,
    memberships: 250_000,
    posts: 60_000,
    comments: 250_000,
    reactions: 400_000,
    events: 1_000,
    registrations: 100_000,
    activity: 1_000_000,
    activityDays: 90,
  },
};
