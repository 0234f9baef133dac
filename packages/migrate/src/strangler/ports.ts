import type { CohortStore, PortName } from '@cohort/core';

/** The names of a port's methods. */
export type MethodOf<P extends PortName> = {
  [K in keyof CohortStore[P]]: CohortStore[P][K] extends (...args: never[]) => Promise<unknown> ? K : never;
}[keyof CohortStore[P]] &
  string;

/** Every port method, split into reads (served by one store, shadowed by the other) and writes (mirrored). */
export const portMethods = {
  users: { reads: ['getById', 'findByEmail', 'list'], writes: ['create', 'update'] },
  contents: { reads: ['getById', 'listPublished'], writes: ['create', 'update'] },
  enrollments: { reads: ['get', 'listByUser', 'countsFor'], writes: ['enroll', 'recordProgress'] },
  events: {
    reads: ['getById', 'listUpcoming', 'getRegistration', 'listRegistrations'],
    writes: ['create', 'update', 'register', 'cancelRegistration', 'markAttended'],
  },
  communities: { reads: ['getById', 'getBySlug', 'list'], writes: ['create', 'update'] },
  memberships: { reads: ['get', 'listMembers', 'listByUser'], writes: ['join', 'leave', 'setRole'] },
  posts: {
    reads: ['getById', 'feed', 'listComments'],
    writes: ['create', 'update', 'remove', 'addComment', 'react', 'unreact'],
  },
  activity: { reads: ['listByActor', 'listByObject', 'dailyCounts'], writes: ['append', 'purgeBefore'] },
} as const satisfies { [P in PortName]: { reads: readonly MethodOf<P>[]; writes: readonly MethodOf<P>[] } };

/** A port's methods that `portMethods` lists as neither read nor write (never, when it lists them all). */
type Unlisted<P extends PortName> = Exclude<
  MethodOf<P>,
  (typeof portMethods)[P]['reads'][number] | (typeof portMethods)[P]['writes'][number]
>;

// A method added to a port and not to portMethods fails to compile here, naming the method: the strangler would
// otherwise neither mirror nor shadow it.
const everyMethodListed: { [P in PortName]: [Unlisted<P>] extends [never] ? true : Unlisted<P> } = {
  users: true,
  contents: true,
  enrollments: true,
  events: true,
  communities: true,
  memberships: true,
  posts: true,
  activity: true,
};
void everyMethodListed;

/** Every port, in the order a phase table lists them (core's list). */
export { portNames } from '@cohort/core';

type AnyMethod = (...args: readonly unknown[]) => Promise<unknown>;

/** Calls `store[port][method](...args)` by name. */
export function callPort(
  store: CohortStore,
  port: PortName,
  method: string,
  args: readonly unknown[],
): Promise<unknown> {
  const target = store[port] as unknown as Record<string, AnyMethod>;
  const fn = target[method];
  if (typeof fn !== 'function') throw new TypeError(`${port}.${method} is not a port method`);
  return fn.apply(target, [...args]);
}

/**
 * Builds an object that implements port `port` by sending every method, by name, through `handle`: how the
 * decorators wrap a port without restating each signature.
 */
export function wrapPort<P extends PortName>(
  port: P,
  handle: (method: string, args: readonly unknown[], kind: 'read' | 'write') => Promise<unknown>,
): CohortStore[P] {
  const methods = portMethods[port] as { reads: readonly string[]; writes: readonly string[] };
  const wrapped: Record<string, AnyMethod> = {};
  for (const method of methods.reads) wrapped[method] = (...args) => handle(method, args, 'read');
  for (const method of methods.writes) wrapped[method] = (...args) => handle(method, args, 'write');
  return wrapped as unknown as CohortStore[P];
}
