#!/usr/bin/env node
// The `cohort` command, in one process (a signal to it reaches everything it runs). Installed from a package, it runs
// the built code in dist/. In this repository, where the path holds no node_modules, it runs the TypeScript sources
// in process: tsx compiles them, and a resolve hook adds the workspace's `@cohort/source` export condition so every
// @cohort package resolves to its src/ as well — a stale dist/ left by `npm run build` is never run by mistake.
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { sep } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const source = new URL('../src/main.ts', import.meta.url);
const inRepository = !here.split(sep).includes('node_modules') && existsSync(fileURLToPath(source));

if (inRepository) {
  process.env['COHORT_CLI_RUNS'] = 'sources';
  // Resolved from here, not from the working directory, so the command runs from any directory.
  const { register: registerTsx } = await import('tsx/esm/api');
  // The PostgreSQL adapter's TypeORM entities use legacy decorators; this config turns them on for tsx.
  registerTsx({ tsconfig: fileURLToPath(new URL('../tsconfig.run.json', import.meta.url)) });
  // Registered after tsx, so it runs first and tsx resolves with the condition added.
  register('./source-condition.js', import.meta.url);
  await import(source.href);
} else {
  const built = new URL('../dist/main.js', import.meta.url);
  if (!existsSync(fileURLToPath(built))) {
    process.stderr.write(`cohort: ${fileURLToPath(built)} is missing: this @cohort/cli was packed without a build\n`);
    process.exit(1);
  }
  process.env['COHORT_CLI_RUNS'] = 'built';
  await import(built.href);
}
