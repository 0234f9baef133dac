import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { recordSetNames } from '@cohort/core';
import { adapterLabels } from '../harness/report.js';
import type { BackfillResults } from './run-backfill.js';

const format = new Intl.NumberFormat('en-US');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The results as markdown: one row per direction, then rows/s per record set. */
export function backfillMarkdown(results: BackfillResults): string {
  const lines: string[] = [];
  lines.push(`# Backfill throughput, ${results.scale} scale${results.complete ? '' : ' (run still going: partial)'}`);
  lines.push('');
  lines.push(
    `${format.format(results.records)} records (seed ${results.seed}); ${results.machine.cores} cores, ` +
      `${results.machine.cpu}, Node ${results.machine.node}; load average ${results.machine.loadAverageStart.toFixed(1)} ` +
      `at the start, ${results.machine.loadAverageEnd.toFixed(1)} at the end. Started ${results.startedAt}.`,
  );
  lines.push('');
  lines.push(
    `Goal: a backfill copies at least ${results.goalRatio} × the rows/s the target store's raw bulk insert ` +
      `(putMany, ${format.format(results.settings.loadBatchSize)} records a call, ${results.settings.loadConcurrency} in ` +
      `flight) reaches on this machine. Backfill batch: ${results.settings.backfillBatchSize}; record sets in ` +
      `parallel: ${results.settings.parallelSets}; source sets counted for progress: ` +
      `${results.settings.countTotals ? 'yes' : 'no (as `cohort migrate --no-count`)'}.`,
  );
  lines.push('');
  lines.push(
    '| Direction | Records | Rows/s | Target raw putMany rows/s | Ratio | Goal | Verify | Source scan only rows/s |',
  );
  lines.push('|---|--:|--:|--:|--:|---|---|--:|');
  for (const direction of results.directions) {
    lines.push(
      `| ${adapterLabels[direction.from]} → ${adapterLabels[direction.to]} | ${format.format(direction.records)} | ` +
        `${format.format(direction.rowsPerSecond)} | ${format.format(direction.targetRawRowsPerSecond)} | ` +
        `${direction.ratioToRaw.toFixed(2)} | ${direction.goalMet ? 'met' : 'missed'} | ` +
        `${direction.verify.ok ? 'ok' : `${format.format(direction.verify.differences)} differences`} in ` +
        `${seconds(direction.verify.elapsedMs)} | ${format.format(direction.sourceScanRowsPerSecond)} |`,
    );
  }
  lines.push('');
  lines.push(
    'Source scan only: the source read alone (every set in pages of 1,000, as many sets at a time as the backfill ' +
      'copies, nothing written), the most a backfill from it could reach.',
  );
  lines.push('');
  lines.push('Rows/s per record set (each set from its first read to its last acknowledged write; sets overlap):');
  lines.push('');
  const header = results.directions.map((d) => `${adapterLabels[d.from]} → ${adapterLabels[d.to]}`);
  lines.push(
    `| Record set | Records | ${header.join(' | ')} | Raw putMany ${adapterLabels.postgres} | Raw putMany ${adapterLabels.dynamo} |`,
  );
  lines.push(`|---|--:|${header.map(() => '--:|').join('')}--:|--:|`);
  for (const name of recordSetNames) {
    const cells = results.directions.map((direction) => {
      const row = direction.perRecordSet.find((set) => set.recordSet === name);
      return row ? format.format(row.rowsPerSecond) : '';
    });
    const raw = (['postgres', 'dynamo'] as const).map((kind) => {
      const row = results.load[kind].rows.find((set) => set.recordSet === name);
      return row ? format.format(row.rowsPerSecond) : '';
    });
    lines.push(`| ${name} | ${format.format(results.platform[name])} | ${[...cells, ...raw].join(' | ')} |`);
  }
  lines.push('');
  lines.push(`Servers: ${results.servers.postgres}; ${results.servers.dynamo}.`);
  return `${lines.join('\n')}\n`;
}

/**
 * Writes `<date>-backfill-<scale>.json` and `.md` into `dir` (`<date>-backfill-<scale>-from-<store>` for a one-direction
 * run, so it never overwrites a run of both or of the other direction); returns their paths.
 */
export async function writeBackfillResults(
  dir: string,
  results: BackfillResults,
): Promise<{ json: string; markdown: string }> {
  await mkdir(dir, { recursive: true });
  const direction = results.from ? `-from-${results.from}` : '';
  const base = join(dir, `${results.startedAt.slice(0, 10)}-backfill-${results.scale}${direction}`);
  const json = `${base}.json`;
  const markdown = `${base}.md`;
  await writeFile(json, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(markdown, backfillMarkdown(results));
  return { json, markdown };
}
