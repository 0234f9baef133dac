import { defineProject } from 'vitest/config';
import { cohortResolve } from '../../vitest.shared.js';

// The AWS SDK's `module` builds are for bundlers (extensionless ESM imports), so Node must get its `node` builds.
const conditions = cohortResolve.resolve.conditions.filter((condition) => condition !== 'module');

export default defineProject({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    name: '@cohort/cli',
    include: ['test/**/*.test.ts'],
    // The hybrid run starts embedded PostgreSQL and DynamoDB Local: allow for a cold JVM on a busy machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
