import { generatePlatform, loadPlatform, type PlatformScale } from '@cohort/testkit/generator';
import { createCohortContainer, recordSetsOf } from '@cohort/wiring';
import { formatSeeded } from '../demo/print.js';
import { Progress, formatSeconds } from '../progress.js';
import { openStores } from '../stores/open-stores.js';
import { wirings, type WiringName } from '../stores/wirings.js';

export const seedScales = ['tiny', 'small', 'reference'] as const satisfies readonly PlatformScale[];

export interface SeedOptions {
  readonly wiring: WiringName;
  readonly scale: PlatformScale;
  /** The generator's seed (default 1). */
  readonly seed?: number;
  /** Records per putMany call (default 500; at most 1,000). */
  readonly batchSize?: number;
  readonly write?: (text: string) => void;
  readonly progress?: Progress;
  readonly env?: NodeJS.ProcessEnv;
  readonly verbose?: boolean;
}

const number = new Intl.NumberFormat('en-US');

/**
 * `cohort seed`: fills the stores the environment configures (DATABASE_URL, DYNAMODB_ENDPOINT + DYNAMODB_TABLE) with
 * a generated platform, each record set in the store that serves its port. Idempotent: the same seed writes the same
 * records again.
 */
export async function runSeed(options: SeedOptions): Promise<void> {
  const write = options.write ?? ((text: string) => void process.stdout.write(`${text}\n`));
  const progress = options.progress ?? new Progress();
  const seed = options.seed ?? 1;

  progress.start(`connecting to the stores of the ${options.wiring} wiring`);
  const stores = await openStores({
    layout: wirings[options.wiring],
    mode: 'configured',
    env: options.env ?? process.env,
    log: (line) => (options.verbose ? progress.note(line) : progress.update(line)),
  });
  try {
    progress.done('stores ready');
    stores.descriptions.forEach((line) => write(line));
    const container = await createCohortContainer(...stores.modules);
    const platform = generatePlatform({ seed, scale: options.scale });
    write(`Seeding the ${options.scale} platform (seed ${seed}): ${formatSeeded(platform.counts())}`);
    const report = await loadPlatform(recordSetsOf(container), platform, {
      batchSize: options.batchSize ?? 500,
      onProgress: ({ recordSet, written, total, elapsedMs }) => {
        const rate = elapsedMs > 0 ? Math.round((written * 1000) / elapsedMs) : 0;
        const percent = total > 0 ? Math.floor((written * 100) / total) : 100;
        progress.update(
          `${recordSet}: ${number.format(written)}/${number.format(total)} (${percent}%, ${number.format(rate)}/s)`,
        );
      },
    });
    progress.clear();
    write('');
    write(`${'record set'.padEnd(15)} ${'records'.padStart(10)} ${'seconds'.padStart(8)} ${'per second'.padStart(11)}`);
    for (const row of report.rows) {
      write(
        `${row.recordSet.padEnd(15)} ${number.format(row.records).padStart(10)} ${(row.elapsedMs / 1000).toFixed(1).padStart(8)} ${number.format(row.recordsPerSecond).padStart(11)}`,
      );
    }
    write(
      `${'total'.padEnd(15)} ${number.format(report.records).padStart(10)} ${(report.elapsedMs / 1000).toFixed(1).padStart(8)} ${number.format(report.recordsPerSecond).padStart(11)}`,
    );
    progress.start('closing');
    await stores.close();
    progress.done(`seeded in ${formatSeconds(report.elapsedMs)}; closed the stores`);
  } finally {
    await stores.close();
  }
}
