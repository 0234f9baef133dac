import { TOKENS, type CohortStore, type PortName, type Token } from '@cohort/core';

/** The core token each port binds to; its description (e.g. `ActivityLog`) is the port's name in messages. */
export const portTokens: { readonly [P in PortName]: Token<CohortStore[P]> } = {
  users: TOKENS.UserRepository,
  contents: TOKENS.ContentRepository,
  enrollments: TOKENS.EnrollmentRepository,
  events: TOKENS.EventRepository,
  communities: TOKENS.CommunityRepository,
  memberships: TOKENS.MembershipRepository,
  posts: TOKENS.PostRepository,
  activity: TOKENS.ActivityLog,
};

/**
 * The bounded contexts and the ports each is made of. The ports of one context check references among themselves
 * (an enrollment's content, a post's community), so they must come from one store; contexts may use different ones.
 */
export const contextPorts = {
  users: ['users'],
  content: ['contents', 'enrollments'],
  events: ['events'],
  community: ['communities', 'memberships', 'posts'],
  activity: ['activity'],
} as const satisfies Record<string, readonly PortName[]>;

export type ContextName = keyof typeof contextPorts;

/** The context names, in the order of `contextPorts`. */
export const contextNames = Object.keys(contextPorts) as ContextName[];

/** The ports of the given contexts, e.g. `portsOf('users', 'content')` → `['users', 'contents', 'enrollments']`. */
export function portsOf(...contexts: readonly ContextName[]): PortName[] {
  return contexts.flatMap((context) => {
    const ports = (contextPorts as Record<string, readonly PortName[] | undefined>)[context];
    if (ports === undefined)
      throw new Error(`Cohort wiring: unknown context ${String(context)} (${contextNames.join(', ')})`);
    return [...ports];
  });
}

/** Re-exported from core, where the ports and the record sets are defined. */
export { portNames, recordSetPorts } from '@cohort/core';

/** The name of a port in messages: the description of its token, e.g. `ActivityLog`. */
export function portLabel(port: PortName): string {
  return portTokens[port].description?.replace(/^@cohort\//, '') ?? port;
}
