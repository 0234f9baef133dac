import { decodeFeedPosition, encodeFeedPosition, positionNotIssued } from '@cohort/core/adapter';

/** How far a subscription or session has read one shard. */
export interface ShardProgress {
  /** The sequence number of the last record read; null: none yet (read the shard from its trim horizon). */
  readonly seq: string | null;
  /** The shard is closed and was read to its end. */
  readonly done: boolean;
}

/**
 * A feed position: the stream (by label: a stream disabled and enabled again is another stream) and the progress in
 * each shard. A shard of the stream the position does not name is either an ancestor of a shard it names (read to its
 * end) or a shard created after it (to be read from its start, once its parent is done).
 */
export interface FeedState {
  readonly label: string;
  readonly shards: ReadonlyMap<string, ShardProgress>;
}

const ENTRY = /^([A-Za-z0-9_.-]{1,128})(?:=(\d{0,64})|(!))$/;

/** The position string of `state` (opaque to callers, checked by `decodePosition`). */
export function encodePosition(feed: string, state: FeedState): string {
  const entries = [...state.shards]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, progress]) => (progress.done ? `${id}!` : `${id}=${progress.seq ?? ''}`));
  return encodeFeedPosition(feed, [state.label, entries.join(' ')]);
}

/** The state a position of this feed names; VALIDATION for anything this feed could not have issued. */
export function decodePosition(feed: string, position: unknown): FeedState {
  const [label, entries] = decodeFeedPosition(feed, position, 2);
  if (typeof label !== 'string' || label.length === 0 || typeof entries !== 'string') throw positionNotIssued();
  const shards = new Map<string, ShardProgress>();
  for (const entry of entries === '' ? [] : entries.split(' ')) {
    const match = ENTRY.exec(entry);
    if (!match?.[1] || shards.has(match[1])) throw positionNotIssued();
    shards.set(match[1], match[3] ? { seq: null, done: true } : { seq: match[2] || null, done: false });
  }
  return { label, shards };
}

function seqAtMost(a: string | null, b: string | null): boolean {
  if (a === null) return true;
  if (b === null) return false;
  return BigInt(a) <= BigInt(b);
}

/** True when every shard's progress in `a` is at or before its progress in `b` (a shard `b` does not name is not). */
export function atOrBefore(a: FeedState, b: FeedState): boolean {
  if (a.label !== b.label) return false;
  for (const [id, progress] of a.shards) {
    const other = b.shards.get(id);
    if (other === undefined) return false;
    if (other.done) continue;
    if (progress.done || !seqAtMost(progress.seq, other.seq)) return false;
  }
  return true;
}
