import { defineProject } from 'vitest/config';
import { cohortResolve } from '../../vitest.shared.js';

export default defineProject({
  ...cohortResolve,
  test: { name: '@cohort/example-search-projection', include: ['test/**/*.test.ts'] },
});
