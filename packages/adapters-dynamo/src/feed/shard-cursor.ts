import type { _Record, AttributeValue } from '@aws-sdk/client-dynamodb-streams';
import { CohortError, type Change, type Clock } from '@cohort/core';
import { fromAttributeMap } from '../shared/attribute-values.js';
import type { Item } from '../shared/dynamo-ops.js';
import { markerOf, stampOf, toChange } from './change-mapping.js';
import { driverErrorName, type ShardInfo, type StreamAccess } from './stream-access.js';

/** What a cursor asks of the stream (StreamAccess; a fake in tests of shard lineages DynamoDB Local never makes). */
export type StreamReads = Pick<StreamAccess, 'current' | 'shards' | 'iterator' | 'records'>;
import { encodePosition, type FeedState, type ShardProgress } from './stream-position.js';

/** Records asked for per GetRecords call (its maximum): fewer calls, the changes past a read's limit kept for the next. */
const RECORDS_PER_CALL = 1_000;

const DONE: ShardProgress = { seq: null, done: true };
const FROM_START: ShardProgress = { seq: null, done: false };

function image(map: Record<string, AttributeValue> | undefined): Item | undefined {
  return map === undefined ? undefined : fromAttributeMap(map as unknown as Record<string, Record<string, unknown>>);
}

/** What a cursor's read brings: up to `limit` changes, and the markers heard with them (see `ShardCursor.read`). */
export interface CursorBatch {
  readonly changes: Change[];
  readonly markers: string[];
}

/** Where `advance` puts what it reads: every change; markers too, when the reader wants them. */
interface Sink {
  readonly change: (change: Change) => void;
  readonly marker?: (name: string, shardId: string, tick: number, shards: readonly ShardInfo[]) => void;
}

/** A marker found in a shard while other shards were open: placed once they were all read again (see `release`). */
interface FoundMarker {
  readonly name: string;
  readonly shardId: string;
  /** The number of the GetRecords call that brought it. */
  readonly tick: number;
}

/**
 * Reads the stream onward from a state, shard by shard, parents before children, and keeps the state just after
 * what it returned. One cursor serves one reader: its iterators are its own.
 */
export class ShardCursor {
  private readonly progress: Map<string, ShardProgress>;
  private readonly iterators = new Map<string, string>();
  /** Whether the cursor has looked at the table's stream since it was made. */
  private looked = false;
  /** Changes read from the stream but not yet returned (a GetRecords answer may hold more than a read asked for). */
  private buffered: Change[] = [];
  /** The newest commit stamp seen per shard: a lower bound for a delete's commit time. */
  private readonly lastStamp = new Map<string, number>();
  /** GetRecords calls made (each numbered), and per shard the number of the last one that read it to its end. */
  private ticks = 0;
  private readonly caughtUp = new Map<string, number>();
  /** Changes ever buffered and ever returned: markers are placed and heard by these counts. */
  private bufferedCount = 0;
  private returnedCount = 0;
  /** Markers placed after the first `after` changes buffered, waiting for `read` to return those; in order. */
  private readonly placed: { readonly name: string; readonly after: number }[] = [];
  /** Markers found but not yet placed (several shards were open), in the order found. */
  private found: FoundMarker[] = [];

  constructor(
    private readonly access: StreamReads,
    private readonly feed: string,
    private readonly clock: Clock,
    start: FeedState,
  ) {
    this.label = start.label;
    this.progress = new Map(start.shards);
  }

  private readonly label: string;

  /**
   * Up to `limit` changes available now, each with the position just after it; none when the stream has nothing
   * new. POSITION_LOST when the stream no longer holds what comes next.
   */
  async next(limit: number, fresh = false): Promise<Change[]> {
    return (await this.read(limit, fresh)).changes;
  }

  /**
   * `next`'s changes, and the markers (`ChangeFeed.writeMarker`) heard with them: each marker once every change
   * placed before it has been returned, by this read or an earlier one, in the order placed.
   *
   * Where a marker is placed: DynamoDB Streams orders records per item only (per shard). With one open shard (always
   * on DynamoDB Local, whose tables have a single shard) the shard's order is the commit order, and the marker is
   * placed where its record lies. With several (AWS splits a table's stream into shards), a change committed before
   * the marker may lie in another shard, not read yet: the marker is placed only once every other open shard has
   * answered a GetRecords issued after the marker was found with less than a full page (not throttled), i.e. after a
   * complete pass over the shards started after it was found, behind every change that pass read.
   */
  async read(limit: number, fresh = false): Promise<CursorBatch> {
    if (this.buffered.length < limit) {
      await this.advance(
        limit - this.buffered.length,
        {
          change: (change) => {
            this.buffered.push(change);
            this.bufferedCount += 1;
          },
          marker: (name, shardId, tick, shards) => this.foundMarker({ name, shardId, tick }, shards),
        },
        fresh,
      );
    }
    const changes = this.buffered.splice(0, limit);
    this.returnedCount += changes.length;
    const markers: string[] = [];
    while (this.placed.length > 0 && (this.placed[0] as { after: number }).after <= this.returnedCount) {
      markers.push((this.placed.shift() as { name: string }).name);
    }
    return { changes, markers };
  }

  /**
   * Reads to the end of what the stream holds now, keeping only the state (what `currentPosition` pins). Each shard is
   * read until one GetRecords answers less than a full page, unthrottled: its end at that moment. Reading on until a
   * shard answers nothing at all never ends while the table is written steadily (a cut-over's subscription waited
   * minutes for a lull under four writing services).
   */
  async skipToEnd(): Promise<FeedState> {
    await this.advance(Number.POSITIVE_INFINITY, { change: () => undefined }, false, true);
    return this.state(await this.shardsChecked());
  }

  private foundMarker(marker: FoundMarker, shards: readonly ShardInfo[]): void {
    if (this.found.length === 0 && this.othersOpen(marker.shardId, shards).length === 0) {
      this.placed.push({ name: marker.name, after: this.bufferedCount });
      return;
    }
    this.found.push(marker);
  }

  /** Places the markers found (oldest first) whose every other open shard was read to its end since. */
  private release(shards: readonly ShardInfo[]): void {
    while (this.found.length > 0) {
      const marker = this.found[0] as FoundMarker;
      const others = this.othersOpen(marker.shardId, shards);
      if (!others.every((shard) => (this.caughtUp.get(shard.id) ?? 0) > marker.tick)) return;
      this.found.shift();
      this.placed.push({ name: marker.name, after: this.bufferedCount });
    }
  }

  /**
   * The shards not read to their end that may hold a change committed before a record of `shardId`: all but that
   * shard and its descendants (a child's records all come after its parent's last).
   */
  private othersOpen(shardId: string, shards: readonly ShardInfo[]): ShardInfo[] {
    const byId = new Map(shards.map((shard) => [shard.id, shard]));
    const descends = (shard: ShardInfo): boolean => {
      for (let at: string | undefined = shard.id; at !== undefined; at = byId.get(at)?.parent) {
        if (at === shardId) return true;
      }
      return false;
    };
    return shards.filter((shard) => !descends(shard) && !this.statusOf(shard.id, shards).done);
  }

  /** The current state (compacted against the last shard list). */
  async current(fresh = false): Promise<FeedState> {
    return this.state(await this.shardsChecked(fresh));
  }

  /**
   * The stream's shards, after checking that the state is still servable. `fresh` asks DynamoDB again rather than
   * reuse answers up to a second old (a stream replaced within that second would go unnoticed until the next call).
   */
  private async shardsChecked(fresh = false): Promise<readonly ShardInfo[]> {
    // A cursor's first look is always fresh: a session opened on a replaced stream fails at its first read.
    let stream = await this.access.current(fresh || !this.looked);
    this.looked = true;
    // A stream replaced less than a second ago may still be the one remembered: ask again before calling it lost.
    if (stream.label !== this.label) stream = await this.access.current(true);
    if (stream.label !== this.label) {
      throw CohortError.positionLost(
        `The table's stream was replaced (${this.label} → ${stream.label}): the changes after this position are gone`,
      );
    }
    const shards = await this.access.shards(stream.arn, fresh);
    const present = new Set(shards.map((shard) => shard.id));
    for (const [id, progress] of [...this.progress]) {
      if (present.has(id)) continue;
      if (progress.done) this.progress.delete(id);
      else throw CohortError.positionLost(`The stream no longer has shard ${id} (trimmed past its 24-hour retention)`);
    }
    return shards;
  }

  private async advance(limit: number, sink: Sink, fresh = false, toTip = false): Promise<void> {
    let shards = await this.shardsChecked(fresh);
    let emitted = 0;
    /** With `toTip`: shards whose end was reached once in this call (read no further). */
    const atTip = new Set<string>();
    const counting: Sink = {
      ...sink,
      change: (change) => {
        emitted += 1;
        sink.change(change);
      },
    };
    for (let moved = true; moved && emitted < limit;) {
      moved = false;
      for (const shard of shards) {
        if (emitted >= limit) break;
        if (!this.readable(shard, shards) || atTip.has(shard.id)) continue;
        const outcome = await this.readShard(shard, shards, counting);
        if (sink.marker) this.release(shards);
        if (toTip && outcome.tip) atTip.add(shard.id);
        if (outcome.closed) {
          // A closed shard's children may be listed only now.
          shards = await this.shardsChecked(true);
          moved = true;
          break;
        }
        if (outcome.records > 0 && !atTip.has(shard.id)) moved = true;
      }
    }
  }

  private statusOf(id: string, shards: readonly ShardInfo[]): ShardProgress {
    const known = this.progress.get(id);
    if (known) return known;
    return this.isAncestorOfNamed(id, shards) ? DONE : FROM_START;
  }

  /** True when a shard the state names descends from `id`: then `id` was read to its end before the state was made. */
  private isAncestorOfNamed(id: string, shards: readonly ShardInfo[]): boolean {
    const byId = new Map(shards.map((shard) => [shard.id, shard]));
    for (const named of this.progress.keys()) {
      for (let at = byId.get(named)?.parent; at !== undefined; at = byId.get(at)?.parent) {
        if (at === id) return true;
      }
    }
    return false;
  }

  private readable(shard: ShardInfo, shards: readonly ShardInfo[]): boolean {
    if (this.statusOf(shard.id, shards).done) return false;
    if (shard.parent === undefined || !shards.some((other) => other.id === shard.parent)) return true;
    return this.statusOf(shard.parent, shards).done;
  }

  private async readShard(
    shard: ShardInfo,
    shards: readonly ShardInfo[],
    sink: Sink,
  ): Promise<{ records: number; closed: boolean; tip: boolean }> {
    const stream = await this.access.current();
    const { seq } = this.statusOf(shard.id, shards);
    const cached = this.iterators.get(shard.id);
    let iterator = cached ?? (await this.access.iterator(stream.arn, shard.id, seq));
    this.ticks += 1;
    const tick = this.ticks;
    let batch;
    try {
      batch = await this.access.records(iterator, shard.id, RECORDS_PER_CALL);
    } catch (error) {
      // Iterators live 15 minutes on AWS: take a new one at the same place. And DynamoDB Local numbers stream records
      // across all its tables, so an iterator it handed out at the end of an empty shard can be refused as trimmed
      // once another table's writes used the numbers it points at: a new one after the last record this cursor read
      // goes on (and is refused again, POSITION_LOST, when that place really is trimmed).
      const expired = driverErrorName(error) === 'ExpiredIteratorException';
      const staleCached = cached !== undefined && CohortError.is(error, 'POSITION_LOST');
      if (!expired && !staleCached) throw error;
      iterator = await this.access.iterator(stream.arn, shard.id, seq);
      batch = await this.access.records(iterator, shard.id, RECORDS_PER_CALL);
    }
    if (batch.next === undefined) this.iterators.delete(shard.id);
    else this.iterators.set(shard.id, batch.next);
    const { records } = batch;
    const tip = batch.throttled !== true && records.length < RECORDS_PER_CALL;
    if (tip) this.caughtUp.set(shard.id, tick);
    records.forEach((record, index) => {
      const sequence = record.dynamodb?.SequenceNumber;
      if (sequence === undefined) return;
      this.progress.set(shard.id, { seq: sequence, done: false });
      // A marker item is no change (changeOf still notes its stamp, a bound for the next delete's time).
      const change = this.changeOf(shard.id, record, records.slice(index + 1));
      const marker = sink.marker ? markerOf(image(record.dynamodb?.NewImage)) : null;
      if (marker !== null) sink.marker?.(marker, shard.id, tick, shards);
      else if (change) sink.change({ ...change, position: encodePosition(this.feed, this.state(shards)) } as Change);
    });
    if (batch.next === undefined) {
      this.progress.set(shard.id, { seq: null, done: true });
      return { records: records.length, closed: true, tip };
    }
    return { records: records.length, closed: false, tip };
  }

  private changeOf(shardId: string, record: _Record, later: readonly _Record[]) {
    const oldImage = image(record.dynamodb?.OldImage);
    const newImage = image(record.dynamodb?.NewImage);
    const stamped = stampOf(newImage);
    const lower = Math.max(this.lastStamp.get(shardId) ?? 0, stampOf(oldImage) ?? 0);
    if (stamped !== undefined) this.lastStamp.set(shardId, Math.max(lower, stamped));
    // A delete carries no stamp: it committed after the shard's previous stamped write and before its next one (or
    // now); the later bound is the closer one for a consumer that keeps up.
    const committedAt = (): Date => {
      const next = later.map((other) => stampOf(image(other.dynamodb?.NewImage))).find((at) => at !== undefined);
      return new Date(Math.max(lower, next ?? this.clock.now().getTime()));
    };
    return toChange(oldImage, newImage, committedAt);
  }

  /**
   * The state as a position names it: every shard of the stream not yet read to its end (unread ones with no sequence
   * number, so that one trimmed before it was read is a lost position, not a gap), and none read to its end whose
   * descendant it names (implied). A shard it does not name is then one created after it.
   */
  private state(shards: readonly ShardInfo[]): FeedState {
    const all = new Map(this.progress);
    for (const shard of shards) if (!all.has(shard.id)) all.set(shard.id, this.statusOf(shard.id, shards));
    const byId = new Map(shards.map((shard) => [shard.id, shard]));
    const implied = new Set<string>();
    for (const named of all.keys()) {
      for (let at = byId.get(named)?.parent; at !== undefined; at = byId.get(at)?.parent) implied.add(at);
    }
    const compact = new Map<string, ShardProgress>();
    for (const [id, progress] of all) {
      if (progress.done && (implied.has(id) || !byId.has(id))) continue;
      compact.set(id, progress);
    }
    return { label: this.label, shards: compact };
  }
}
