import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';
import { cohortResolve } from '../../vitest.shared.js';

// The AWS SDK's `module` builds are for bundlers (extensionless ESM imports), so Node must get its `node` builds.
const conditions = cohortResolve.resolve.conditions.filter((condition) => condition !== 'module');

export default defineProject({
  // This directory, also when the file is passed with --config from the repository root (npm run test:long).
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  // The global setup runs in vitest's own environment, which does not inherit `resolve.conditions`.
  environments: { __vitest__: { resolve: { conditions } } },
  test: {
    name: '@cohort/reliability',
    include: ['test/**/*.test.ts'],
    // One PostgreSQL and one DynamoDB Local for the whole run; the fault tests start dedicated servers they can kill.
    globalSetup: ['test/global-setup.ts'],
    // A property runs a hundred sequences against a real store; the fault tests restart servers (a cold JVM is slow).
    // The long mode lets a property run for up to an hour (see test/support/budget.ts).
    testTimeout: process.env['COHORT_RELIABILITY_LONG'] === '1' ? 3_900_000 : 300_000,
    // The files wait on servers far more than they compute (JVM restarts, retries, round trips): three at a time
    // roughly halve the wall time even on two cores. A project with its own maxWorkers needs its own group, which
    // runs after the other projects.
    maxWorkers: 3,
    sequence: { groupOrder: 1 },
    hookTimeout: 180_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
