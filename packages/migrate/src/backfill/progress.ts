import type { RecordSetName } from '@cohort/core';

/** What a backfill reports as it goes (see `createProgressRenderer` for a ready display). */
export type BackfillProgress =
  | {
      readonly type: 'start';
      readonly recordSet: RecordSetName;
      /**
       * Records in the source (`count()`), or null while still being counted (the count runs beside the copy, since
       * counting a large set can take minutes on some stores: DynamoDB counts by reading every item), and always null
       * with `countTotals: false`.
       */
      readonly total: number | null;
      /** True while the total is being counted; false once known, and throughout with `countTotals: false`. */
      readonly counting: boolean;
      /** Records already copied by the run this one resumes. */
      readonly copied: number;
      readonly resumed: boolean;
    }
  | {
      readonly type: 'batch';
      readonly recordSet: RecordSetName;
      readonly copied: number;
      /** As in `start`; null until the count is known. */
      readonly total: number | null;
      readonly counting: boolean;
      /** Since this set started in this run. */
      readonly elapsedMs: number;
      /** Records per second copied by this run. */
      readonly rowsPerSecond: number;
      /** Estimated time left for this set, or null before there is a rate and a total. */
      readonly etaMs: number | null;
    }
  | {
      readonly type: 'done';
      readonly recordSet: RecordSetName;
      readonly copied: number;
      readonly elapsedMs: number;
      readonly rowsPerSecond: number;
    }
  | { readonly type: 'skipped'; readonly recordSet: RecordSetName; readonly copied: number };

/** The part of a writable stream the renderer uses (process.stderr fits). */
export interface ProgressStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface ProgressRendererOptions {
  /** Draw a redrawn bar (true) or plain lines (false); default: whether the stream is a TTY. */
  readonly tty?: boolean;
  /** Plain mode: at most one line per record set this often (default 5,000 ms). TTY mode redraws every 100 ms. */
  readonly intervalMs?: number;
  /** The time source for throttling (default performance.now). */
  readonly now?: () => number;
}

const number = (value: number): string => Math.round(value).toLocaleString('en-US');

/** 75 s -> "1:15", 3,725 s -> "1:02:05". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

const percent = (copied: number, total: number) =>
  total > 0 ? Math.min(100, Math.floor((copied * 100) / total)) : 100;

const counted = (total: number | null, counting: boolean): string =>
  total !== null ? number(total) : counting ? '(counting)' : '?';

/**
 * A progress display for `backfill({ onProgress })`: on a terminal, one bar per record set (several run at once)
 * redrawn in place with rows/s and ETA; elsewhere (CI logs, pipes) a plain line per set every `intervalMs` and when
 * it starts and finishes.
 */
export function createProgressRenderer(
  stream: ProgressStream,
  options: ProgressRendererOptions = {},
): (event: BackfillProgress) => void {
  const tty = options.tty ?? stream.isTTY === true;
  const now = options.now ?? (() => performance.now());
  const interval = tty ? 100 : (options.intervalMs ?? 5_000);
  const lastPrinted = new Map<RecordSetName, number>();
  // Terminal mode: the bars, in the order their sets started, and how many lines the last redraw wrote.
  const bars = new Map<RecordSetName, string>();
  let drawn = 0;
  let lastDrawn = -Infinity;

  const bar = (copied: number, total: number | null): string => {
    const width = Math.max(10, Math.min(30, (stream.columns ?? 80) - 70));
    const filled = total === null ? 0 : Math.round((percent(copied, total) / 100) * width);
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
  };
  const redraw = (force: boolean) => {
    const at = now();
    if (!force && at - lastDrawn < interval) return;
    lastDrawn = at;
    let out = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const line of bars.values()) out += `\r\x1b[2K${line}\n`;
    drawn = bars.size;
    stream.write(out);
  };

  return (event) => {
    const name = event.recordSet.padEnd(14);
    switch (event.type) {
      case 'start':
        if (tty) {
          bars.set(event.recordSet, `${name} ${bar(event.copied, event.total)} starting`);
          redraw(true);
        } else {
          const resumed = event.resumed ? `, resuming after ${number(event.copied)}` : '';
          const records =
            event.total !== null
              ? `${number(event.total)} records`
              : event.counting
                ? 'records (counting them alongside)'
                : 'records (not counted)';
          stream.write(`${event.recordSet}: copying ${records}${resumed}\n`);
        }
        return;
      case 'batch': {
        const eta = event.etaMs === null ? '--:--' : formatDuration(event.etaMs);
        const counts = `${number(event.copied)}/${counted(event.total, event.counting)}`;
        const rate = `${number(event.rowsPerSecond)} rows/s`;
        const pct = event.total === null ? '--' : String(percent(event.copied, event.total));
        if (tty) {
          bars.set(
            event.recordSet,
            `${name} ${bar(event.copied, event.total)} ${pct.padStart(3)}%  ${counts}  ${rate}  ETA ${eta}`,
          );
          redraw(false);
          return;
        }
        const at = now();
        if (at - (lastPrinted.get(event.recordSet) ?? -Infinity) < interval) return;
        lastPrinted.set(event.recordSet, at);
        stream.write(`${event.recordSet}: ${counts} (${pct}%)  ${rate}  ETA ${eta}\n`);
        return;
      }
      case 'done': {
        const summary = `${number(event.copied)} copied in ${(event.elapsedMs / 1000).toFixed(1)} s (${number(event.rowsPerSecond)} rows/s)`;
        if (tty) {
          bars.set(event.recordSet, `${name} ${bar(1, 1)} 100%  ${summary}`);
          redraw(true);
        } else stream.write(`${event.recordSet}: ${summary}\n`);
        return;
      }
      case 'skipped': {
        const line = `already copied (${number(event.copied)} records), skipped`;
        if (tty) {
          bars.set(event.recordSet, `${name} ${line}`);
          redraw(true);
        } else stream.write(`${event.recordSet}: ${line}\n`);
        return;
      }
    }
  };
}
