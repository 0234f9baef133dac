import type { Parameters as FcParameters } from 'fast-check';

/** `COHORT_RELIABILITY_LONG=1` (npm run test:long) runs many more and longer sequences than the CI budget. */
export const LONG = process.env['COHORT_RELIABILITY_LONG'] === '1';

/** How many runs a property gets: `ci` in npm test, `long` in the long mode. */
export function runs(ci: number, long: number): number {
  return LONG ? long : ci;
}

/** The longest command sequence a differential run draws. */
export const MAX_COMMANDS = LONG ? 60 : 25;

/**
 * fast-check parameters for `fc.assert`: the number of runs, plus a replay when COHORT_RELIABILITY_SEED (and
 * optionally COHORT_RELIABILITY_PATH) are set, as printed by a failure, so a counterexample can be run again.
 */
export function fcParameters<T>(numRuns: number): FcParameters<T> {
  const seed = process.env['COHORT_RELIABILITY_SEED'];
  const path = process.env['COHORT_RELIABILITY_PATH'];
  return {
    numRuns,
    // A run can take a second against DynamoDB Local; bound the shrinking so a failure reports in minutes.
    interruptAfterTimeLimit: LONG ? 3_600_000 : 240_000,
    markInterruptAsFailure: false,
    ...(seed === undefined ? {} : { seed: Number(seed) }),
    ...(path === undefined ? {} : { path }),
  };
}
