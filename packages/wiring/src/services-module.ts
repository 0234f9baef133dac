import {
  CommunityService,
  ContentService,
  EventService,
  PostService,
  TOKENS,
  UserService,
  systemClock,
  type CohortServices,
  type Clock,
  type ServiceDeps,
} from '@cohort/core';
import { ContainerModule, type Container } from 'inversify';
import type { ResolutionContext } from 'inversify';

/** Options of `servicesModule`. */
export interface ServicesModuleOptions {
  /** Stamps the activity the services append (bound to `TOKENS.Clock`); the system clock by default. */
  readonly clock?: Clock;
}

function deps(context: ResolutionContext): ServiceDeps {
  return {
    users: context.get(TOKENS.UserRepository),
    contents: context.get(TOKENS.ContentRepository),
    enrollments: context.get(TOKENS.EnrollmentRepository),
    events: context.get(TOKENS.EventRepository),
    communities: context.get(TOKENS.CommunityRepository),
    memberships: context.get(TOKENS.MembershipRepository),
    posts: context.get(TOKENS.PostRepository),
    activity: context.get(TOKENS.ActivityLog),
    clock: context.get(TOKENS.Clock),
  };
}

/**
 * Binds the clock and the five services, each built once over whatever stores the ports are bound to. Core stays
 * free of inversify: the services take their ports through plain constructors, and this module feeds them.
 */
export function servicesModule(options: ServicesModuleOptions = {}): ContainerModule {
  const clock = options.clock ?? systemClock;
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.Clock).toConstantValue(clock);
    bind(TOKENS.UserService)
      .toDynamicValue((context) => new UserService(deps(context)))
      .inSingletonScope();
    bind(TOKENS.ContentService)
      .toDynamicValue((context) => new ContentService(deps(context)))
      .inSingletonScope();
    bind(TOKENS.EventService)
      .toDynamicValue((context) => new EventService(deps(context)))
      .inSingletonScope();
    bind(TOKENS.CommunityService)
      .toDynamicValue((context) => new CommunityService(deps(context)))
      .inSingletonScope();
    bind(TOKENS.PostService)
      .toDynamicValue((context) => new PostService(deps(context)))
      .inSingletonScope();
  });
}

/** The five services of a container loaded with `servicesModule`, shaped like core's `createServices` result. */
export function servicesOf(container: Container): CohortServices {
  return {
    users: container.get(TOKENS.UserService),
    content: container.get(TOKENS.ContentService),
    events: container.get(TOKENS.EventService),
    communities: container.get(TOKENS.CommunityService),
    posts: container.get(TOKENS.PostService),
  };
}
