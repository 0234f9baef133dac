/**
 * The length bounds `[min, max]` of every free-text field, in UTF-16 code units after trimming: core's schemas
 * validate input with them, and an adapter that reads its stored rows back without zod (PostgreSQL's mappers) checks
 * them with the same numbers, so a limit changes in one place.
 */
export const textLimits = {
  user: { displayName: [1, 100] },
  content: { title: [1, 200], summary: [0, 2000] },
  event: { title: [1, 200], description: [0, 5000] },
  community: { name: [1, 120], description: [0, 2000] },
  post: { body: [1, 10_000] },
  comment: { body: [1, 5000] },
  activity: { objectId: [1, 100] },
} as const satisfies Record<string, Record<string, readonly [min: number, max: number]>>;
