import type { VerifyReport } from './verify.js';

const number = (value: number): string => value.toLocaleString('en-US');

function table(rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number>): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, column) =>
        rightAligned.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd(),
  );
}

/**
 * The report as text for a terminal: one row per record set (the records each store's scan read, which the
 * comparison is made of), the differing keys under it, then integrity.
 */
export function formatVerifyReport(report: VerifyReport): string {
  const lines: string[] = [];
  lines.push(
    `verify ${report.source} -> ${report.target}, started ${report.startedAt}, ` +
      `${(report.elapsedMs / 1000).toFixed(1)} s, ${report.buckets} buckets per record set`,
    '',
  );
  const rows: string[][] = [['record set', report.source, report.target, 'buckets≠', 'differences', 'in flight', '']];
  for (const set of report.recordSets) {
    rows.push([
      set.recordSet,
      number(set.scanned.source),
      number(set.scanned.target),
      number(set.differingBuckets),
      `${number(set.differenceCount)}${set.truncated ? '+' : ''}`,
      number(set.inFlightCount),
      set.ok ? 'ok' : 'DIFFERENT',
    ]);
  }
  const rendered = table(rows, new Set([1, 2, 3, 4, 5]));
  lines.push(rendered[0] ?? '');
  report.recordSets.forEach((set, index) => {
    lines.push(rendered[index + 1] ?? '');
    for (const difference of set.differences) {
      const fields = difference.fields.length > 0 ? ` (${difference.fields.join(', ')})` : '';
      lines.push(`    ${difference.kind.padEnd(17)} ${difference.key}${fields}`);
    }
    if (set.differenceCount > set.differences.length) {
      lines.push(`    … and ${number(set.differenceCount - set.differences.length)} more`);
    }
    if (set.truncated) lines.push('    (not every differing bucket was drilled into: there may be more)');
    if (set.differingBuckets > 0 && set.differenceCount === 0 && set.inFlightCount === 0 && !set.truncated) {
      const buckets = set.differingBuckets === 1 ? 'bucket was' : 'buckets were';
      lines.push(`    ${number(set.differingBuckets)} differing ${buckets} equal when drilled into (writes in flight)`);
    }
    if (set.counts.source !== set.counts.target) {
      lines.push(
        `    count(): ${number(set.counts.source)} / ${number(set.counts.target)}, ` +
          'taken at other instants than the scans (not compared)',
      );
    }
  });

  const dangling = report.integrity.filter((check) => check.danglingCount > 0);
  const checked = report.integrity.reduce((sum, check) => sum + check.checked, 0);
  lines.push(
    '',
    `integrity: ${report.integrity.length} reference checks over ${number(checked)} references, ` +
      `${number(report.summary.danglingReferences)} dangling`,
  );
  for (const check of dangling) {
    lines.push(
      `  ${check.store} ${check.recordSet}.${check.field} -> ${check.parent}: ${number(check.danglingCount)} dangling`,
    );
    for (const reference of check.dangling) lines.push(`    ${reference.key} names missing ${reference.missingId}`);
  }

  const inFlight = report.summary.inFlight + report.integrity.reduce((sum, check) => sum + check.inFlightCount, 0);
  lines.push('');
  if (inFlight > 0) {
    const by = (side: 'source' | 'target') =>
      `${report[side]} by ${report.inFlightBy[side] === 'feed' ? 'its change feed' : 'write timestamps'}`;
    lines.push(
      `${number(inFlight)} keys changed while verify ran (writes in flight; not counted as differences; ` +
        `told in ${by('source')}, in ${by('target')})`,
    );
  }
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  lines.push(
    report.ok
      ? 'RESULT: no differences'
      : `RESULT: ${number(report.summary.differences)} differences` +
          (report.summary.recordSetsWithDifferences.length > 0
            ? ` in ${report.summary.recordSetsWithDifferences.join(', ')}`
            : '') +
          `, ${number(report.summary.danglingReferences)} dangling references`,
  );
  return lines.join('\n');
}

/** The report as JSON text, for machines. */
export function verifyReportJson(report: VerifyReport): string {
  return JSON.stringify(report, null, 2);
}

/** The exit code `cohort verify` ends with: 0 when the stores match, 1 on any difference. */
export function verifyExitCode(report: VerifyReport): number {
  return report.ok ? 0 : 1;
}
