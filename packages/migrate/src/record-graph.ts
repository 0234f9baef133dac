import { recordKeys, recordSetNames, type RecordOf, type RecordSetName } from '@cohort/core';

/** A field of one record set that names a record of another (a user, a post, …). */
export interface Reference<N extends RecordSetName = RecordSetName> {
  /** The record set holding the reference. */
  readonly recordSet: N;
  /** The field, as reported (`userId`, `communityId`, …). */
  readonly field: string;
  /** The record set the field points into. */
  readonly parent: RecordSetName;
  /** The referenced id, or null when the field is empty (an event outside any community). */
  readonly idOf: (record: RecordOf<N>) => string | null;
}

const ref = <N extends RecordSetName>(
  recordSet: N,
  field: string,
  parent: RecordSetName,
  idOf: (record: RecordOf<N>) => string | null,
): Reference => ({ recordSet, field, parent, idOf }) as unknown as Reference;

/** Every reference between record sets: what integrity checks and what the copy order respects. */
export const references: readonly Reference[] = [
  ref('contents', 'authorId', 'users', (r) => r.authorId),
  ref('enrollments', 'userId', 'users', (r) => r.userId),
  ref('enrollments', 'contentId', 'contents', (r) => r.contentId),
  ref('communities', 'ownerId', 'users', (r) => r.ownerId),
  ref('memberships', 'communityId', 'communities', (r) => r.communityId),
  ref('memberships', 'userId', 'users', (r) => r.userId),
  ref('events', 'hostId', 'users', (r) => r.hostId),
  ref('events', 'communityId', 'communities', (r) => r.communityId),
  ref('registrations', 'eventId', 'events', (r) => r.eventId),
  ref('registrations', 'userId', 'users', (r) => r.userId),
  ref('posts', 'communityId', 'communities', (r) => r.communityId),
  ref('posts', 'authorId', 'users', (r) => r.authorId),
  ref('comments', 'postId', 'posts', (r) => r.postId),
  ref('comments', 'authorId', 'users', (r) => r.authorId),
  ref('reactions', 'postId', 'posts', (r) => r.postId),
  ref('reactions', 'userId', 'users', (r) => r.userId),
  ref('activity', 'actorId', 'users', (r) => r.actorId),
];

/**
 * Every record set, each after all the sets it references: the order backfill copies in (so a store with foreign
 * keys never sees a child before its parent) and verify scans in (so integrity checks find their parents complete).
 * core's `recordSetNames` puts events before communities, which events point at; this order does not.
 */
export const copyOrder: readonly RecordSetName[] = [
  'users',
  'contents',
  'enrollments',
  'communities',
  'memberships',
  'events',
  'registrations',
  'posts',
  'comments',
  'reactions',
  'activity',
  'activityCounts',
];

/** The sets a set references (its parents), from `references`. */
export function parentsOf(name: RecordSetName): RecordSetName[] {
  return [...new Set(references.filter((r) => r.recordSet === name).map((r) => r.parent))];
}

/** Validates a `--only` list and returns it in copy order (all sets when absent). */
export function selectRecordSets(only?: readonly string[]): RecordSetName[] {
  if (only === undefined) return [...copyOrder];
  const unknown = only.filter((name) => !(recordSetNames as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new RangeError(`Unknown record set ${unknown.join(', ')}; known: ${copyOrder.join(', ')}`);
  }
  if (only.length === 0) throw new RangeError('Select at least one record set');
  return copyOrder.filter((name) => only.includes(name));
}

/** The key migration reports a record by, as core defines it. */
export function keyOf<N extends RecordSetName>(name: N, record: RecordOf<N>): string {
  return (recordKeys[name] as (record: RecordOf<N>) => string)(record);
}
