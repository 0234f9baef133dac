import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

// The install test packs and installs the packages outside the repository: nothing is imported from the workspace,
// so no resolve conditions. Its root is this folder, so the consumer fixture's own tests are never picked up here.
export default defineProject({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    name: '@cohort/packaging',
    include: ['test/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 900_000,
  },
});
