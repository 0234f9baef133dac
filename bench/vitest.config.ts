import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

// The smoke test runs the benchmark script as a child process (as `npm run bench` does); nothing here is imported
// from the workspace packages, so no resolve conditions are needed. The root is this folder, so the project runs
// the same from the root's project list or on its own (`npx vitest run --config bench/vitest.config.ts`).
export default defineProject({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    name: '@cohort/bench',
    include: ['bench.smoke.test.ts'],
    // Two servers start and a small platform loads into each: allow for a cold JVM on a busy machine.
    testTimeout: 300_000,
  },
});
