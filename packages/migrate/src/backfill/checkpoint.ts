import type { RecordSetName } from '@cohort/core';

/** Where one record set's copy stands. */
export interface RecordSetCheckpoint {
  /** The scan cursor after the last batch acknowledged by the target; null before the first. */
  readonly cursor: string | null;
  /** Records acknowledged so far. */
  readonly copied: number;
  /** True once the whole set was copied. */
  readonly done: boolean;
}

/** A backfill's progress, written after every batch: what `--resume` continues from. */
export interface BackfillCheckpoint {
  readonly version: 1;
  /** Names the pair of stores (e.g. `postgres->dynamo`): a checkpoint of another pair is never resumed. */
  readonly label: string | null;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly recordSets: Partial<Record<RecordSetName, RecordSetCheckpoint>>;
}

/** Where checkpoints live: a file (`fileCheckpoint`), memory (`memoryCheckpoint`), or anything durable. */
export interface CheckpointStore {
  /** The last checkpoint saved, or null when there is none. */
  load(): Promise<BackfillCheckpoint | null>;
  /** Replaces the checkpoint; a crash at any instant leaves either the old or the new one, never a torn one. */
  save(checkpoint: BackfillCheckpoint): Promise<void>;
  /** Forgets the checkpoint. */
  clear(): Promise<void>;
}

/** Checkpoints held in this process: for tests, and for runs that need no resume. */
export function memoryCheckpoint(initial: BackfillCheckpoint | null = null): CheckpointStore & {
  readonly saves: number;
} {
  let current = initial === null ? null : structuredClone(initial);
  let saves = 0;
  return {
    get saves() {
      return saves;
    },
    load: () => Promise.resolve(current === null ? null : structuredClone(current)),
    save: (checkpoint) => {
      current = structuredClone(checkpoint);
      saves += 1;
      return Promise.resolve();
    },
    clear: () => {
      current = null;
      return Promise.resolve();
    },
  };
}

/**
 * Serializes checkpoint saves and coalesces them: while one save runs, later states wait, and only the newest is
 * written next. A checkpoint therefore never runs ahead of what the target acknowledged, and slow storage never
 * holds up the copy.
 */
export class CheckpointWriter {
  private pending: BackfillCheckpoint | null = null;
  private running: Promise<void> | null = null;
  private failure: Error | null = null;

  constructor(private readonly store: CheckpointStore) {}

  /** Asks for `checkpoint` to be saved soon; rethrows an earlier save's failure. */
  schedule(checkpoint: BackfillCheckpoint): void {
    if (this.failure !== null) throw this.failure;
    this.pending = checkpoint;
    this.running ??= this.drain();
  }

  /** Waits until everything scheduled is saved. */
  async flush(): Promise<void> {
    while (this.running !== null) await this.running;
    if (this.failure !== null) throw this.failure;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending !== null) {
        const next = this.pending;
        this.pending = null;
        await this.store.save(next);
      }
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
    } finally {
      this.running = null;
    }
  }
}
