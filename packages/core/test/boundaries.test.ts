import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The package boundaries live in the repository's eslint.config.js, so `npm run lint` fails on a file that crosses
// one. This drives that same config over probe files placed (by name only) in each package, to show each rule both
// refuses what it should and lets through what the packages really import.
const repoRoot = join(import.meta.dirname, '..', '..', '..');
const eslint = new ESLint({
  cwd: repoRoot,
  // Only the boundary rules, and no type information: the probe files do not exist on disk.
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports' || ruleId === 'no-restricted-syntax',
  overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
});

/** How many boundary rules refuse `source` at `path` (a probe that does not even parse fails the test). */
async function refusals(path: string, source: string): Promise<number> {
  const [result] = await eslint.lintText(source, { filePath: join(repoRoot, path) });
  const messages = result?.messages ?? [];
  expect(messages.filter((message) => message.fatal)).toEqual([]);
  return messages.filter((message) => message.ruleId?.startsWith('no-restricted-')).length;
}

describe('package boundaries (eslint.config.js)', () => {
  it.each([
    ['packages/core/src/probe.ts', "import { DataSource } from 'typeorm';"],
    ['packages/core/src/probe.ts', "import pg from 'pg';"],
    ['packages/core/src/probe.ts', "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';"],
    ['packages/core/src/probe.ts', "import { Container } from 'inversify';"],
    ['packages/core/src/probe.ts', "import { readFileSync } from 'node:fs';"],
    ['packages/core/src/probe.ts', "import fs from 'fs/promises';"],
    ['packages/core/src/probe.ts', "import { spawn } from 'node:child_process';"],
    ['packages/core/src/probe.ts', "export { runContractSuite } from '@cohort/testkit';"],
    ['packages/core/src/probe.ts', "export const pg = await import('pg');"],
    ['packages/core/src/probe.ts', "export const fs = require('fs');"],
    ['packages/adapters-memory/src/probe.ts', "import { createPostgresStore } from '@cohort/adapters-postgres';"],
    ['packages/adapters-postgres/src/probe.ts', "export const d = await import('@cohort/adapters-dynamo');"],
    ['packages/adapters-dynamo/src/probe.ts', "import { startTraffic } from '@cohort/testkit/generator';"],
    ['packages/adapters-dynamo/src/probe.ts', "import { x } from '../../adapters-memory/src/index.js';"],
    ['packages/migrate/src/probe.ts', "import { Container } from 'inversify';"],
    ['packages/migrate/src/probe.ts', "import pg from 'pg';"],
    ['packages/migrate/src/probe.ts', "import { createPostgresStore } from '@cohort/adapters-postgres';"],
    ['packages/wiring/src/probe.ts', "import { createMemoryStore } from '@cohort/adapters-memory';"],
    ['packages/testkit/src/probe.ts', "import { move } from '@cohort/migrate';"],
    ['packages/cli/src/probe.ts', "import { move } from '@cohort/migrate/src/index.js';"],
    ['packages/cli/test/probe.test.ts', "import { move } from '../../migrate/src/index.js';"],
    ['bench/move/probe.ts', "import { move } from '../../packages/migrate/src/index.js';"],
  ])('%s may not say %s', async (path, source) => {
    expect(await refusals(path, source)).toBeGreaterThan(0);
  });

  it.each([
    [
      'packages/core/src/probe.ts',
      "import { z } from 'zod';\nimport { x } from './x.js';\nimport { y } from '../y.js';",
    ],
    ['packages/core/src/probe.ts', "import { AsyncLocalStorage } from 'node:async_hooks';"],
    [
      'packages/adapters-postgres/src/probe.ts',
      "import { CohortError } from '@cohort/core';\nimport { toPage } from '@cohort/core/adapter';\nimport pg from 'pg';",
    ],
    [
      'packages/adapters-dynamo/src/probe.ts',
      "import { ports } from '@cohort/wiring';\nimport { inspect } from 'node:util';",
    ],
    [
      'packages/migrate/src/probe.ts',
      "import { CohortError } from '@cohort/core';\nimport { readFile } from 'node:fs/promises';",
    ],
    ['packages/testkit/src/probe.ts', "import { CohortError } from '@cohort/core';\nimport { expect } from 'vitest';"],
    ['packages/cli/src/probe.ts', "import { move } from '@cohort/migrate';\nimport { x } from '../demo/x.js';"],
    ['packages/migrate/test/fixtures/probe.ts', "import { move } from '../../src/index.js';"],
  ])('%s may say %s', async (path, source) => {
    expect(await refusals(path, source)).toBe(0);
  });
});
