import type { GeneratorContext } from './generator-context.js';
import type { ActivityPlan } from './plan-activity.js';
import type { CommunitiesPlan } from './plan-communities.js';
import type { ContentsPlan, EnrollmentsPlan } from './plan-contents.js';
import type { EventsPlan } from './plan-events.js';
import type { PostsPlan } from './plan-posts.js';
import type { UsersPlan } from './plan-users.js';

/**
 * The whole platform in compact form (typed arrays of indexes and epoch milliseconds): small enough to hold at the
 * reference scale, and enough to build any record on demand, identically every time.
 */
export interface PlatformPlan {
  readonly context: GeneratorContext;
  readonly users: UsersPlan;
  readonly contents: ContentsPlan;
  readonly enrollments: EnrollmentsPlan;
  readonly communities: CommunitiesPlan;
  readonly posts: PostsPlan;
  readonly events: EventsPlan;
  readonly activity: ActivityPlan;
}
