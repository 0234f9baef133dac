import { CohortError, type Change, type RecordSetName } from '@cohort/core';
import { copyOrder } from '../record-graph.js';
import { recordSetOf, type MigrationEndpoint } from '../shared/endpoint.js';
import { withRetry } from '../shared/scan.js';

/** Records or keys per putMany / deleteMany (at most 1,000; smaller, so a batch's chunks can run side by side). */
const CHUNK_SIZE = 250;
/** Chunks of one record set written at the same time. */
const CHUNKS_IN_FLIGHT = 4;

/** Children before parents: the order deletes go in, so a store with foreign keys never refuses one. */
const deleteOrder: readonly RecordSetName[] = [...copyOrder].reverse();

/**
 * A change the target refused for now: a child whose parent has not arrived, a unique value its old holder still
 * holds, a parent whose children are still there. It is tried again after every batch until it goes through or a
 * later change of the same key supersedes it; until then the subscription is acknowledged only up to the change
 * delivered before it, so a crash redelivers it.
 */
interface Deferred {
  readonly change: Change;
  /** Delivery order within this session. */
  readonly sequence: number;
  /** The position of the change delivered just before it (null: none in this session). */
  readonly before: string | null;
  attempts: number;
}

/** Why the target refuses a write now and may take it later; anything else is a real failure. */
export function refusedForNow(error: unknown): boolean {
  return CohortError.is(error, 'CONFLICT') || CohortError.is(error, 'NOT_FOUND');
}

const slotOf = (change: Pick<Change, 'recordSet' | 'key'>): string => `${change.recordSet}\u0000${change.key}`;

/** What one batch did to the target. */
export interface AppliedBatch {
  /** Upserts and deletes the target acknowledged (the last image of each key in the batch counts once). */
  readonly applied: number;
  /** Changes of keys applied earlier that a later one of the same key made unnecessary (older images). */
  readonly superseded: number;
  /** Changes waiting for their parent, their unique value or their children. */
  readonly deferred: number;
  /** Where the subscription may be acknowledged now: everything the target holds, nothing it refused. */
  readonly acknowledge: string | null;
}

/**
 * Applies feed changes to the target through the migration face: per batch, the last change of each key, upserts with
 * putMany in copy order (parents first), deletes with deleteMany in reverse (children first); what the target refuses
 * for now waits and is retried (see `Deferred`). Changes of sets outside `only` are skipped.
 */
export class ChangeApplier {
  private readonly deferred = new Map<string, Deferred>();
  private sequence = 0;
  private lastDelivered: string | null = null;

  constructor(
    private readonly target: MigrationEndpoint,
    private readonly selected: ReadonlySet<RecordSetName>,
    private readonly signal?: AbortSignal,
  ) {}

  /** Changes waiting for the target. */
  get waiting(): number {
    return this.deferred.size;
  }

  /** The keys waiting, for a status report. */
  waitingKeys(limit = 20): string[] {
    return [...this.deferred.values()].slice(0, limit).map(({ change }) => `${change.recordSet}/${change.key}`);
  }

  async apply(changes: readonly Change[]): Promise<AppliedBatch> {
    const latest = new Map<string, Deferred>();
    let superseded = 0;
    for (const change of changes) {
      const entry: Deferred = { change, sequence: this.sequence, before: this.lastDelivered, attempts: 0 };
      this.sequence += 1;
      this.lastDelivered = change.position;
      if (!this.selected.has(change.recordSet)) continue;
      const slot = slotOf(change);
      if (latest.has(slot) || this.deferred.delete(slot)) superseded += 1;
      latest.set(slot, entry);
    }
    let applied = await this.write([...latest.values()]);
    // What waited may go through now that this batch brought its parent or freed its value; so may what this batch
    // refused once the rest of it is written (a user deleted, then another taking the email, in one batch).
    for (let pass = 0; pass < 3 && this.deferred.size > 0; pass += 1) {
      const before = this.deferred.size;
      const retry = [...this.deferred.values()];
      this.deferred.clear();
      applied += await this.write(retry);
      if (this.deferred.size === before) break;
    }
    return {
      applied,
      superseded,
      deferred: this.deferred.size,
      acknowledge: this.acknowledgeable(),
    };
  }

  /** The position up to which everything delivered is in the target. */
  private acknowledgeable(): string | null {
    let earliest: Deferred | null = null;
    for (const entry of this.deferred.values()) {
      if (earliest === null || entry.sequence < earliest.sequence) earliest = entry;
    }
    return earliest === null ? this.lastDelivered : earliest.before;
  }

  /** Writes entries (at most one per key), deferring what the target refuses for now; returns how many went in. */
  private async write(entries: readonly Deferred[]): Promise<number> {
    let written = 0;
    for (const name of copyOrder) {
      const upserts = entries.filter((entry) => entry.change.recordSet === name && entry.change.op === 'upsert');
      written += await this.inChunks(upserts, (chunk) =>
        recordSetOf(this.target, name).putMany(chunk.map((entry) => entry.change.record as never)),
      );
    }
    for (const name of deleteOrder) {
      const deletes = entries.filter((entry) => entry.change.recordSet === name && entry.change.op === 'delete');
      written += await this.inChunks(deletes, (chunk) =>
        recordSetOf(this.target, name).deleteMany(chunk.map((entry) => entry.change.key)),
      );
    }
    return written;
  }

  /**
   * The chunks of one record set, `CHUNKS_IN_FLIGHT` at a time: a batch holds one change per key, so no two chunks
   * touch the same record, and a store that answers each call in tens of ms (DynamoDB's batch writes of 25) keeps up
   * with a busy source only with several calls in flight.
   */
  private async inChunks(entries: readonly Deferred[], write: (chunk: readonly Deferred[]) => Promise<void>) {
    const chunks: Deferred[][] = [];
    for (let offset = 0; offset < entries.length; offset += CHUNK_SIZE) {
      chunks.push(entries.slice(offset, offset + CHUNK_SIZE));
    }
    let written = 0;
    for (let first = 0; first < chunks.length; first += CHUNKS_IN_FLIGHT) {
      const counts = await Promise.all(
        chunks.slice(first, first + CHUNKS_IN_FLIGHT).map((chunk) => this.writeOrSplit(chunk, write)),
      );
      written += counts.reduce((sum, count) => sum + count, 0);
    }
    return written;
  }

  /**
   * One call for the whole chunk; when the target refuses it, halves until the refused entries are alone (a batch
   * is all or nothing), and defers those. A chunk that is refused whole is usually one bad key among many.
   */
  private async writeOrSplit(
    chunk: readonly Deferred[],
    write: (chunk: readonly Deferred[]) => Promise<void>,
  ): Promise<number> {
    if (chunk.length === 0) return 0;
    try {
      await withRetry(() => write(chunk), 6, this.signal);
      return chunk.length;
    } catch (error) {
      if (!refusedForNow(error)) throw error;
      if (chunk.length === 1) {
        const entry = chunk[0] as Deferred;
        entry.attempts += 1;
        this.deferred.set(slotOf(entry.change), entry);
        return 0;
      }
      const middle = Math.ceil(chunk.length / 2);
      return (
        (await this.writeOrSplit(chunk.slice(0, middle), write)) + (await this.writeOrSplit(chunk.slice(middle), write))
      );
    }
  }
}
