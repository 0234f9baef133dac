import { activityByActor } from './activity-by-actor.js';
import { appendActivity } from './append-activity.js';
import { contentByTag } from './content-by-tag.js';
import { dailyCounts } from './daily-counts.js';
import { feedDeepPage } from './feed-deep-page.js';
import { feedFirstPage } from './feed-first-page.js';
import type { Operation } from './operation.js';
import { postComments } from './post-comments.js';
import { register } from './register.js';
import { registerContended } from './register-contended.js';
import { userByEmail } from './user-by-email.js';

/** The hot operations, in the order the tables list them. */
export const operations: readonly Operation[] = [
  userByEmail,
  contentByTag,
  feedFirstPage,
  feedDeepPage,
  postComments,
  register,
  registerContended,
  activityByActor,
  dailyCounts,
  appendActivity,
];

export type { CasePlan, Operation, Side } from './operation.js';
