import { defineProject } from 'vitest/config';
import { cohortResolve } from '../../vitest.shared.js';

export default defineProject({
  ...cohortResolve,
  test: { name: '@cohort/local-servers', include: ['test/**/*.test.ts'] },
});
