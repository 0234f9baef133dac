import { defineConfig } from 'vitest/config';

// The projects `npm test` runs. packages/reliability sets its own worker count, which puts it in a group of its own
// that runs after the others.
export default defineConfig({
  test: {
    projects: [
      'packages/core/vitest.config.ts',
      'packages/testkit/vitest.config.ts',
      'packages/adapters-memory/vitest.config.ts',
      'packages/local-servers/vitest.config.ts',
      'packages/adapters-postgres/vitest.config.ts',
      'packages/adapters-dynamo/vitest.config.ts',
      'packages/wiring/vitest.config.ts',
      'packages/cli/vitest.config.ts',
      'packages/migrate/vitest.config.ts',
      'packages/reliability/vitest.config.ts',
      'examples/*/vitest.config.ts',
      // The benchmark's smoke test: the small scale with few samples, and the backfill mode at the tiny scale.
      'bench/vitest.config.ts',
      // The install test: every package packed, installed outside the repository, imported and exercised there.
      'packaging/vitest.config.ts',
    ],
  },
});
