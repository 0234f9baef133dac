import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findForbiddenImports } from './purity.js';

const srcDir = join(import.meta.dirname, '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

describe('core purity', () => {
  it('imports nothing that does I/O and no other Cohort package', () => {
    const offenders = sourceFiles(srcDir).flatMap((file) =>
      findForbiddenImports(readFileSync(file, 'utf8')).map((spec) => `${relative(srcDir, file)} imports ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it.each([
    "import { DataSource } from 'typeorm';",
    "import pg from 'pg';",
    "import { Pool } from 'pg-pool';",
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
    "import { Container } from 'inversify';",
    "import { readFileSync } from 'node:fs';",
    "import fs from 'fs/promises';",
    "import net from 'node:net';",
    "import { spawn } from 'node:child_process';",
    "export { runContractSuite } from '@cohort/testkit';",
    "const pg = await import('pg');",
    "const fs = require('fs');",
  ])('rejects %s', (line) => {
    expect(findForbiddenImports(line)).toHaveLength(1);
  });

  it('accepts zod and relative imports', () => {
    expect(findForbiddenImports("import { z } from 'zod';\nimport { x } from './x.js';")).toEqual([]);
  });
});
