import { CommunityService } from './community-service.js';
import { ContentService } from './content-service.js';
import { EventService } from './event-service.js';
import { PostService } from './post-service.js';
import type { ServiceDeps } from './service-deps.js';
import { UserService } from './user-service.js';

/** Every Cohort service, sharing one set of ports. */
export interface CohortServices {
  readonly users: UserService;
  readonly content: ContentService;
  readonly events: EventService;
  readonly communities: CommunityService;
  readonly posts: PostService;
}

/** Builds every service over the given ports, e.g. `createServices({ ...store, clock })`. */
export function createServices(deps: ServiceDeps): CohortServices {
  return {
    users: new UserService(deps),
    content: new ContentService(deps),
    events: new EventService(deps),
    communities: new CommunityService(deps),
    posts: new PostService(deps),
  };
}
