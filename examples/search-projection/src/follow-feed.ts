import { readFile, rename, writeFile } from 'node:fs/promises';
import { CohortError, type ChangeFeed } from '@cohort/core';
import { SearchIndex, type SearchDocument } from './search-index.js';

export interface FollowOptions {
  readonly feed: ChangeFeed;
  /** The durable subscription this projection reads (created at 'now' the first time). */
  readonly subscription: string;
  /** The projection's own checkpoint: the documents as of the last batch applied. */
  readonly checkpointPath: string;
  /** Stops the loop (between batches; a read waits at most 500 ms). */
  readonly signal: AbortSignal;
  /** Called after each batch is applied, saved and acknowledged. */
  readonly onBatch?: (batch: { readonly changes: number; readonly documents: number }) => void;
}

/**
 * Keeps a search index current from a store's change feed until `signal` aborts, and returns it. Each batch is
 * applied, then the index is saved (written aside and renamed, so a crash leaves the old file or the new one), and
 * only then acknowledged: after a crash the subscription hands back at most the batch that was not acknowledged,
 * and applying its after-images again changes nothing.
 */
export async function followFeed(options: FollowOptions): Promise<SearchIndex> {
  const { feed, subscription, checkpointPath, signal } = options;
  const index = await loadIndex(checkpointPath);
  try {
    await feed.createSubscription(subscription);
  } catch (error) {
    if (!(CohortError.is(error) && error.code === 'CONFLICT')) throw error;
  }
  const reader = await feed.openReader(subscription);
  const stop = () => void reader.close();
  signal.addEventListener('abort', stop, { once: true });
  try {
    while (!signal.aborted) {
      const changes = await reader.read({ limit: 500, waitMs: 500 });
      const last = changes.at(-1);
      if (!last || signal.aborted) continue;
      for (const change of changes) index.apply(change);
      await saveIndex(checkpointPath, index);
      await reader.acknowledge(last.position);
      options.onBatch?.({ changes: changes.length, documents: index.size });
    }
  } finally {
    signal.removeEventListener('abort', stop);
    await reader.close();
  }
  return index;
}

async function loadIndex(path: string): Promise<SearchIndex> {
  try {
    return SearchIndex.from(JSON.parse(await readFile(path, 'utf8')) as SearchDocument[]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new SearchIndex();
    throw error;
  }
}

async function saveIndex(path: string, index: SearchIndex): Promise<void> {
  await writeFile(`${path}.tmp`, JSON.stringify(index));
  await rename(`${path}.tmp`, path);
}
