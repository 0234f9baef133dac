#!/usr/bin/env node
// The `cohort` command. An installed build runs dist/main.js; in this repository, where nothing is built, it runs the
// TypeScript sources through tsx with the workspace's `@cohort/source` export condition.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const built = fileURLToPath(new URL('../dist/main.js', import.meta.url));

if (existsSync(built)) {
  await import(new URL('../dist/main.js', import.meta.url).href);
} else {
  const source = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  // Resolved from here, not from the working directory, so the command runs from any directory.
  const tsx = import.meta.resolve('tsx');
  const child = spawn(
    process.execPath,
    ['--conditions=@cohort/source', '--import', tsx, source, ...process.argv.slice(2)],
    {
      stdio: 'inherit',
      env: {
        ...process.env,
        // The PostgreSQL adapter's TypeORM entities use legacy decorators; this config turns them on for tsx.
        TSX_TSCONFIG_PATH: fileURLToPath(new URL('../tsconfig.run.json', import.meta.url)),
      },
    },
  );
  // Ctrl-C reaches the child too (same process group): let it clean up, then exit with its code.
  const ignore = () => undefined;
  process.on('SIGINT', ignore);
  process.on('SIGTERM', (signal) => child.kill(signal));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal === 'SIGINT' ? 130 : 1);
  });
}
