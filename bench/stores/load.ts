import { recordSetNames, type RecordOf, type RecordSetName, type RecordSets } from '@cohort/core';
import type { GeneratedPlatform } from '@cohort/testkit/generator';

/** Records generated ahead of each write phase: large enough to keep putMany busy, small enough for memory. */
const CHUNK_RECORDS = 50_000;

export interface LoadOptions {
  /** Records per putMany call (at most 1,000, the migration face's limit). */
  readonly batchSize: number;
  /** putMany calls in flight at once. */
  readonly concurrency: number;
  /** Loads only the records this returns true for (a reduced platform); every record by default. */
  readonly keep?: RecordFilter;
  /** A line now and then while a record set loads. */
  readonly onProgress?: (line: string) => void;
}

/** Whether record number `index` of a record set is loaded. */
export type RecordFilter = (name: RecordSetName, record: unknown, index: number) => boolean;

export interface LoadRow {
  readonly recordSet: RecordSetName;
  /** Records written. */
  readonly records: number;
  /** Records the platform has in this set (more than `records` when a filter left some out). */
  readonly generated: number;
  /** Wall time spent in putMany calls only (records are generated beforehand, off the clock). */
  readonly putManyMs: number;
  /** Wall time the generator took to build the records (not part of the rate). */
  readonly generateMs: number;
  /** records / putManyMs: the migration face's own bulk throughput. */
  readonly rowsPerSecond: number;
}

export interface LoadReport {
  readonly rows: readonly LoadRow[];
  readonly records: number;
  readonly putManyMs: number;
  readonly rowsPerSecond: number;
  /** Everything, generation included. */
  readonly wallMs: number;
  /** Whether a filter left records out. */
  readonly reduced: boolean;
}

const format = new Intl.NumberFormat('en-US');

/**
 * Loads a generated platform through the migration face, parents first. Each record set is generated in chunks off
 * the clock, then written with `concurrency` putMany calls of `batchSize` records in flight, so the reported rate is
 * putMany's alone.
 */
export async function loadThroughPutMany(
  recordSets: RecordSets,
  platform: GeneratedPlatform,
  options: LoadOptions,
): Promise<LoadReport> {
  const started = performance.now();
  const rows: LoadRow[] = [];
  for (const name of recordSetNames) rows.push(await loadSet(recordSets, platform, name, options));
  const records = rows.reduce((sum, row) => sum + row.records, 0);
  const putManyMs = rows.reduce((sum, row) => sum + row.putManyMs, 0);
  return {
    rows,
    records,
    putManyMs,
    rowsPerSecond: rate(records, putManyMs),
    wallMs: performance.now() - started,
    reduced: rows.some((row) => row.records < row.generated),
  };
}

async function loadSet<N extends RecordSetName>(
  recordSets: RecordSets,
  platform: GeneratedPlatform,
  name: N,
  options: LoadOptions,
): Promise<LoadRow> {
  const generated = platform.counts()[name];
  const set = recordSets[name] as unknown as { putMany(records: readonly RecordOf<N>[]): Promise<void> };
  const source = platform.records(name)[Symbol.iterator]();
  let generateMs = 0;
  let putManyMs = 0;
  let written = 0;
  let lastReport = performance.now();
  let exhausted = false;
  let index = 0;
  while (!exhausted) {
    const generating = performance.now();
    const batches: RecordOf<N>[][] = [];
    let batch: RecordOf<N>[] = [];
    let chunk = 0;
    while (chunk < CHUNK_RECORDS) {
      const next = source.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      index += 1;
      if (options.keep && !options.keep(name, next.value, index - 1)) continue;
      batch.push(next.value);
      chunk += 1;
      if (batch.length === options.batchSize) {
        batches.push(batch);
        batch = [];
      }
    }
    if (batch.length > 0) batches.push(batch);
    generateMs += performance.now() - generating;
    if (batches.length === 0) break;

    const writing = performance.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batches.length) {
        const records = batches[next] as RecordOf<N>[];
        next += 1;
        await set.putMany(records);
        written += records.length;
        const now = performance.now();
        if (options.onProgress && now - lastReport > 2_000) {
          lastReport = now;
          const ms = putManyMs + (now - writing);
          options.onProgress(
            `${name}: ${format.format(written)} of ${format.format(generated)} generated (${format.format(rate(written, ms))} rows/s)`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    putManyMs += performance.now() - writing;
  }
  return {
    recordSet: name,
    records: written,
    generated,
    putManyMs,
    generateMs,
    rowsPerSecond: rate(written, putManyMs),
  };
}

function rate(records: number, ms: number): number {
  return ms > 0 ? Math.round((records * 1000) / ms) : 0;
}
