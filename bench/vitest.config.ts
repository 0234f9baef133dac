import { defineProject } from 'vitest/config';

// The smoke test runs the benchmark script as a child process (as `npm run bench` does); nothing here is imported
// from the workspace packages, so no resolve conditions are needed.
export default defineProject({
  test: {
    name: '@cohort/bench',
    include: ['bench.smoke.test.ts'],
    // Two servers start and a small platform loads into each: allow for a cold JVM on a busy machine.
    testTimeout: 300_000,
  },
});
