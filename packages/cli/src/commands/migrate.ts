import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { RecordSetName } from '@cohort/core';
import {
  backfill,
  createProgressRenderer,
  fileCheckpoint,
  type BackfillReport,
  type ProgressStream,
} from '@cohort/migrate';
import { CliError, firstLine } from '../cli-error.js';
import { Progress, formatSeconds } from '../progress.js';
import { checkEndpoints, connectEndpoints, type EndpointKind } from '../stores/open-endpoints.js';

export interface MigrateOptions {
  readonly from: EndpointKind;
  readonly to: EndpointKind;
  /** Only these record sets (still parents first); all by default. */
  readonly only?: readonly RecordSetName[];
  /** Records per putMany (default 500; 1–1,000). */
  readonly batchSize?: number;
  /** Continue from the checkpoint instead of starting over. */
  readonly resume?: boolean;
  /** The checkpoint file (default `.cohort/migrate-<from>-<to>.json` under the current directory). */
  readonly checkpoint?: string;
  /** Count the source sets for progress totals and ETAs (default true; `--no-count` turns it off). */
  readonly countTotals?: boolean;
  readonly write?: (text: string) => void;
  readonly progress?: Progress;
  /** Where the per-record-set progress is drawn (default process.stderr). */
  readonly progressStream?: ProgressStream;
  readonly env?: NodeJS.ProcessEnv;
  readonly verbose?: boolean;
}

const number = new Intl.NumberFormat('en-US');

/** The checkpoint file `cohort migrate` uses when --checkpoint is not given, relative to the current directory. */
export const defaultCheckpoint = (from: string, to: string) => `.cohort/migrate-${from}-${to}.json`;

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * `cohort migrate`: copies the platform from the store `from` names to the store `to` names with `backfill`, saving
 * a checkpoint after every batch so a killed run continues with --resume, and prints what each record set took.
 */
export async function runMigrate(options: MigrateOptions): Promise<BackfillReport> {
  const write = options.write ?? ((text: string) => void process.stdout.write(`${text}\n`));
  const progress = options.progress ?? new Progress();
  const label = `${options.from}->${options.to}`;
  const env = options.env ?? process.env;
  checkEndpoints(options.from, options.to, env);
  const shownPath = options.checkpoint ?? defaultCheckpoint(options.from, options.to);
  const path = resolve(shownPath);
  const checkpoint = fileCheckpoint(path);

  // The checkpoint is read before connecting, so a wrong file fails fast and as a usage error.
  let resumeNote = `starting over: the checkpoint at ${shownPath} is replaced (--resume would continue it)`;
  if (options.resume) {
    const saved = await checkpoint.load().catch((error: unknown) => {
      throw new CliError(firstLine(error), 2, { cause: error });
    });
    if (saved === null) {
      resumeNote = `no checkpoint at ${shownPath}: copying from the start`;
    } else if (saved.label !== label) {
      throw new CliError(
        `${shownPath} is the checkpoint of ${saved.label ?? 'an unlabelled run'}, not ${label}: ` +
          'pass --checkpoint with another file, or leave out --resume to start over',
        2,
      );
    } else {
      resumeNote = `resuming the run of ${saved.startedAt} from ${shownPath}`;
    }
  } else if (!(await exists(path))) {
    resumeNote = `checkpoint: ${shownPath}`;
  }

  const stores = await connectEndpoints(options, env, progress);
  try {
    write(`from: ${stores.from.description}`);
    write(`to:   ${stores.to.description}`);
    progress.note(resumeNote);
    let report: BackfillReport;
    try {
      report = await backfill({
        source: stores.from.endpoint,
        target: stores.to.endpoint,
        ...(options.only ? { only: options.only } : {}),
        ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
        checkpoint,
        resume: options.resume === true,
        countTotals: options.countTotals ?? true,
        label,
        onProgress: createProgressRenderer(options.progressStream ?? process.stderr),
      });
    } catch (error) {
      progress.note(`the checkpoint ${shownPath} keeps what was copied: run again with --resume to continue`);
      throw error;
    }
    write('');
    for (const line of formatMigrateReport(report)) write(line);
    progress.start('closing');
    await stores.close();
    progress.done(`copied ${label} in ${formatSeconds(report.elapsedMs)}; closed the stores`);
    return report;
  } finally {
    await stores.close();
  }
}

/** The summary table: per record set what this run copied, how long it took and at what rate. */
export function formatMigrateReport(report: BackfillReport): string[] {
  const row = (name: string, copied: string, seconds: string, rate: string, note = '') =>
    `${name.padEnd(15)} ${copied.padStart(10)} ${seconds.padStart(8)} ${rate.padStart(9)}${note ? `  ${note}` : ''}`.trimEnd();
  const lines = [row('record set', 'copied', 'seconds', 'rows/s')];
  for (const set of report.recordSets) {
    const note = set.skipped
      ? `already copied (${number.format(set.resumedFrom)}), skipped`
      : set.resumedFrom > 0
        ? `resumed after ${number.format(set.resumedFrom)}`
        : '';
    lines.push(
      row(
        set.recordSet,
        number.format(set.copied),
        (set.elapsedMs / 1000).toFixed(1),
        number.format(set.rowsPerSecond),
        note,
      ),
    );
  }
  lines.push(
    row(
      'total',
      number.format(report.copied),
      (report.elapsedMs / 1000).toFixed(1),
      number.format(report.rowsPerSecond),
    ),
  );
  return lines;
}
