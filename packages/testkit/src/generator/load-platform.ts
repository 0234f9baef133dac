import { recordSetNames, type RecordOf, type RecordSetName, type RecordSets } from '@cohort/core';
import type { GeneratedPlatform } from './generate-platform.js';

const MAX_BATCH = 1000;

export interface LoadPlatformOptions {
  /** Records per `putMany` call: 500 by default, at most 1,000 (the migration face's limit). */
  batchSize?: number;
  /** Load only these record sets (still in `recordSetNames` order, parents first). */
  only?: readonly RecordSetName[];
  /** Parallel `putMany` calls per record set; 4 by default. */
  concurrency?: number;
  /** Called after every written batch. */
  onProgress?: (progress: LoadProgress) => void;
}

export interface LoadProgress {
  readonly recordSet: RecordSetName;
  /** Records of this set written so far. */
  readonly written: number;
  /** Records of this set to write. */
  readonly total: number;
  /** Since this set started. */
  readonly elapsedMs: number;
}

export interface LoadReportRow {
  readonly recordSet: RecordSetName;
  readonly records: number;
  readonly elapsedMs: number;
  readonly recordsPerSecond: number;
}

export interface LoadReport {
  /** One row per loaded record set, in the order they were written. */
  readonly rows: readonly LoadReportRow[];
  readonly records: number;
  readonly elapsedMs: number;
  readonly recordsPerSecond: number;
}

const perSecond = (records: number, elapsedMs: number) =>
  elapsedMs > 0 ? Math.round((records * 1000) / elapsedMs) : records;

function positiveInteger(value: number, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${name} must be a whole number from 1 to ${max}`);
  }
  return value;
}

/** Writes one record set with up to `concurrency` putMany calls in flight; stops pulling batches at the first error. */
async function loadSet<N extends RecordSetName>(
  recordSets: RecordSets,
  platform: GeneratedPlatform,
  name: N,
  options: { batchSize: number; concurrency: number; onProgress?: ((progress: LoadProgress) => void) | undefined },
): Promise<LoadReportRow> {
  const set = recordSets[name] as unknown as { putMany(records: readonly RecordOf<N>[]): Promise<void> };
  const total = platform.counts()[name];
  const batches = platform.batches(name, options.batchSize)[Symbol.iterator]();
  const started = performance.now();
  let written = 0;
  let failed = false;
  const worker = async () => {
    for (;;) {
      if (failed) return;
      const next = batches.next();
      if (next.done) return;
      try {
        await set.putMany(next.value);
      } catch (error) {
        failed = true;
        throw error;
      }
      written += next.value.length;
      options.onProgress?.({ recordSet: name, written, total, elapsedMs: performance.now() - started });
    }
  };
  const results = await Promise.allSettled(Array.from({ length: options.concurrency }, worker));
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  const elapsedMs = performance.now() - started;
  return { recordSet: name, records: written, elapsedMs, recordsPerSecond: perSecond(written, elapsedMs) };
}

/**
 * Loads a generated platform into a store through its migration face, record set by record set in
 * `recordSetNames` order (parents before children), so any adapter can be seeded the same way.
 */
export async function loadPlatform(
  recordSets: RecordSets,
  platform: GeneratedPlatform,
  options: LoadPlatformOptions = {},
): Promise<LoadReport> {
  const batchSize = positiveInteger(options.batchSize ?? 500, 'batchSize', MAX_BATCH);
  const concurrency = positiveInteger(options.concurrency ?? 4, 'concurrency');
  const only = options.only ? new Set<RecordSetName>(options.only) : null;
  const started = performance.now();
  const rows: LoadReportRow[] = [];
  for (const name of recordSetNames) {
    if (only && !only.has(name)) continue;
    rows.push(await loadSet(recordSets, platform, name, { batchSize, concurrency, onProgress: options.onProgress }));
  }
  const records = rows.reduce((sum, row) => sum + row.records, 0);
  const elapsedMs = performance.now() - started;
  return { rows, records, elapsedMs, recordsPerSecond: perSecond(records, elapsedMs) };
}
