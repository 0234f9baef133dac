import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';
import { cohortResolve } from '../../vitest.shared.js';

// The real-server tests load the DynamoDB adapter: the AWS SDK's `module` builds are for bundlers, so Node must get
// its `node` builds (as in packages/adapters-dynamo).
const conditions = cohortResolve.resolve.conditions.filter((condition) => condition !== 'module');

export default defineProject({
  // This package's directory, also when run from the repository root with `--config packages/migrate/vitest.config.ts`.
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    name: '@cohort/migrate',
    include: ['test/**/*.test.ts'],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
