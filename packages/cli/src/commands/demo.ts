import { TOKENS } from '@cohort/core';
import { TestClock, generatePlatform, loadPlatform, type PlatformSizes } from '@cohort/testkit/generator';
import { createCohortContainer, recordSetsOf, resolve, servicesModule, servicesOf } from '@cohort/wiring';
import { formatOutcome, formatSeeded } from '../demo/print.js';
import { runDemoScenario, type DemoOutcome } from '../demo/scenario.js';
import { Progress, formatSeconds } from '../progress.js';
import { openStores } from '../stores/open-stores.js';
import { wirings, type WiringName } from '../stores/wirings.js';

/** The platform the demo seeds: big enough for a busy community and a week of activity, small enough for seconds. */
export const demoPlatformSizes: PlatformSizes = {
  users: 300,
  activeUsers: 80,
  contents: 20,
  tags: 15,
  enrollments: 400,
  communities: 8,
  memberships: 600,
  posts: 120,
  comments: 300,
  reactions: 400,
  events: 10,
  registrations: 150,
  activity: 3_000,
  activityDays: 30,
};

export const DEFAULT_DEMO_SEED = 7;

export interface DemoOptions {
  readonly wiring: WiringName;
  /** The generator's seed (default 7): same seed, same platform, same day. */
  readonly seed?: number;
  /** Where the demo is printed (default: stdout). */
  readonly write?: (text: string) => void;
  /** Where progress goes (default: stderr); `quiet` silences it. */
  readonly progress?: Progress;
  /** Read for DATABASE_URL / DYNAMODB_ENDPOINT (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Also print the servers' own start-up lines. */
  readonly verbose?: boolean;
}

/**
 * `cohort demo`: opens the stores of a wiring (embedded servers unless the environment names some), seeds a small
 * generated platform, drives the real services through a scripted day, prints it, and puts everything away again.
 */
export async function runDemo(options: DemoOptions): Promise<DemoOutcome> {
  const write = options.write ?? ((text: string) => void process.stdout.write(`${text}\n`));
  const progress = options.progress ?? new Progress();
  const started = performance.now();
  const clock = new TestClock();
  const seed = options.seed ?? DEFAULT_DEMO_SEED;

  write(`Cohort demo: the ${options.wiring} wiring`);
  progress.start(`opening the stores of the ${options.wiring} wiring`);
  const stores = await openStores({
    layout: wirings[options.wiring],
    mode: 'fresh',
    clock,
    env: options.env ?? process.env,
    log: (line) => (options.verbose ? progress.note(line) : progress.update(line)),
  });
  try {
    progress.done('stores ready');
    stores.descriptions.forEach((line) => write(`  ${line}`));

    const container = await createCohortContainer(servicesModule({ clock }), ...stores.modules);

    progress.start('seeding');
    const platform = generatePlatform({ seed, scale: demoPlatformSizes });
    const total = Object.values(platform.counts()).reduce((sum, count) => sum + count, 0);
    let finished = 0;
    await loadPlatform(recordSetsOf(container), platform, {
      batchSize: 100,
      onProgress: ({ recordSet, written, total: ofSet }) => {
        progress.update(`seeding ${recordSet} ${written}/${ofSet} (${finished + written}/${total} records)`);
        if (written === ofSet) finished += ofSet;
      },
    });
    progress.done(`seeded ${total} records`);
    write('');
    write(`Seeded a generated platform (seed ${seed}):`);
    write(`  ${formatSeeded(platform.counts())}`);

    progress.start('running the scripted day');
    const outcome = await runDemoScenario({
      services: servicesOf(container),
      enrollments: resolve(container, TOKENS.EnrollmentRepository),
      activity: resolve(container, TOKENS.ActivityLog),
      clock,
      platform,
      onStep: (step) => progress.update(`the scripted day: ${step}`),
    });
    progress.done('the scripted day ran');
    write('');
    write(formatOutcome(outcome));

    progress.start('stopping');
    await stores.close();
    progress.done('closed the stores and stopped the servers the demo started');
    write('');
    write(`Done in ${formatSeconds(performance.now() - started)}.`);
    return outcome;
  } finally {
    await stores.close();
  }
}
