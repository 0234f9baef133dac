import { defineProject } from 'vitest/config';
import { cohortResolve } from '../../vitest.shared.js';

// The AWS SDK's `module` builds are for bundlers (extensionless ESM imports), so Node must get its `node` builds.
const conditions = cohortResolve.resolve.conditions.filter((condition) => condition !== 'module');

export default defineProject({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  // The global setup runs in vitest's own environment, which does not inherit `resolve.conditions`.
  environments: { __vitest__: { resolve: { conditions } } },
  test: {
    name: '@cohort/adapters-dynamo',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Node 20 is still supported by the SDK versions we pin; its yearly reminder is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
