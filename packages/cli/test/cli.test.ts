import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/cohort.js', import.meta.url));

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `cohort` command (bin/cohort.js, as npm links it) in a child process. */
function cohort(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  const base = { ...process.env };
  for (const name of ['DATABASE_URL', 'DYNAMODB_ENDPOINT', 'DOCKER_HOST', 'NODE_OPTIONS', 'VITEST', 'VITEST_POOL_ID']) {
    delete base[name];
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...base, ...env }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The lines of stderr that are not progress lines (✓ done, … working). */
const errorLines = (stderr: string) =>
  stderr.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('✓') && !line.startsWith('…'));

describe('the cohort command', () => {
  it('prints its usage with --help', async () => {
    const result = await cohort(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: cohort <command> [options]');
    expect(result.stdout).toContain('--wiring <name>');
    expect(result.stdout).toMatch(/^ {2}migrate {3}/m);
    expect(result.stdout).toMatch(/^ {2}verify {4}/m);
    expect(result.stdout).toContain('--resume');
  });

  it('says with --version that in the repository it runs the sources, in this one process', async () => {
    const result = await cohort(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('@cohort/cli 0.1.0 (sources: src/ through tsx)\n');
  });

  it('runs the demo on the memory wiring to completion and exits 0', async () => {
    const result = await cohort(['demo', '--wiring', 'memory']);
    expect(result.stderr).not.toContain('cohort:');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Alan Turing cancels → Donald Knuth, first on the waitlist, gets the seat');
    expect(result.stdout).toMatch(/Done in \d+\.\d s\./);
  });

  it('rejects an unknown wiring in one line with exit code 2', async () => {
    const result = await cohort(['demo', '--wiring', 'oracle']);
    expect(result.code).toBe(2);
    expect(errorLines(result.stderr)).toEqual([
      'cohort: --wiring must be one of hybrid, postgres, dynamo, memory; got oracle',
    ]);
  });

  it('rejects a DATABASE_URL that is not a PostgreSQL URL in one line', async () => {
    const result = await cohort(['demo', '--wiring', 'postgres'], { DATABASE_URL: 'mysql://root@localhost/db' });
    expect(result.code).toBe(2);
    expect(errorLines(result.stderr)).toEqual([
      'cohort: DATABASE_URL must start with postgres:// or postgresql://, got mysql://',
    ]);
  });

  it('says in one line, without the password or a stack, that PostgreSQL does not answer', async () => {
    const result = await cohort(['demo', '--wiring', 'postgres'], {
      DATABASE_URL: 'postgres://cohort:secret@127.0.0.1:1/cohort',
    });
    expect(result.code).toBe(1);
    const lines = errorLines(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^cohort: PostgreSQL at postgres:\/\/cohort:\*\*\*@127\.0\.0\.1:1\/cohort is not usable: /,
    );
    expect(result.stderr).not.toContain('secret');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('shows the stack of a failure with --verbose', async () => {
    const result = await cohort(['demo', '--wiring', 'postgres', '--verbose'], {
      DATABASE_URL: 'postgres://cohort@127.0.0.1:1/cohort',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^\s+at /m);
    expect(result.stderr).toContain('caused by:');
  });

  it('says in one line what to install when DynamoDB Local has no Java to run on', async () => {
    const result = await cohort(['demo', '--wiring', 'dynamo'], { PATH: '/nonexistent' });
    expect(result.code).toBe(1);
    expect(errorLines(result.stderr)).toEqual([
      'cohort: could not start DynamoDB Local: DynamoDB Local needs Java, and `java -version` failed: install Java 17+ (or set DYNAMODB_ENDPOINT / start Docker)',
    ]);
  });

  it('refuses to seed a store the environment does not name', async () => {
    const result = await cohort(['seed', '--wiring', 'postgres', '--scale', 'tiny']);
    expect(result.code).toBe(2);
    expect(errorLines(result.stderr)).toEqual([
      'cohort: set DATABASE_URL to the PostgreSQL database to fill (postgres://user:password@host:5432/db)',
    ]);
  });

  it('seeds the memory wiring and reports each record set', async () => {
    const result = await cohort(['seed', '--wiring', 'memory', '--scale', 'tiny']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^users\s+20\s/m);
    expect(result.stdout).toMatch(/^total\s+\d/m);
  });
});
