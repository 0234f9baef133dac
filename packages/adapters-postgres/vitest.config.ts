import { defineProject } from 'vitest/config';
import { cohortResolve } from '../../vitest.shared.js';

export default defineProject({
  ...cohortResolve,
  // The global setup runs in vitest's own environment, which does not inherit `resolve.conditions`.
  environments: { __vitest__: { resolve: cohortResolve.resolve } },
  test: {
    name: '@cohort/adapters-postgres',
    include: ['test/**/*.test.ts'],
    // One PostgreSQL server for the whole run; its URL reaches the tests through provide/inject.
    globalSetup: ['test/global-setup.ts'],
  },
});
