import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..');

/** A fixture running in a process of its own, and the lines it printed so far. */
export interface Fixture {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<NodeJS.Signals | number | null>;
  /** Resolves once `done(lines)` holds (checked at every line); rejects after `timeoutMs`. */
  until(done: (lines: readonly string[]) => boolean, timeoutMs?: number): Promise<void>;
  /** SIGKILLs the process if it still runs, and waits for it to end. */
  kill(): Promise<void>;
}

/** Starts `test/fixtures/<name>.ts` with one JSON argument, as a separate Node process running the adapter's source. */
export function startFixture(name: string, args: unknown): Fixture {
  const child = spawn(
    process.execPath,
    ['--conditions=@cohort/source', '--import', 'tsx', join(here, 'fixtures', `${name}.ts`), JSON.stringify(args)],
    {
      cwd: packageDir,
      // The adapter's TypeORM entities need legacy decorators: tsx compiles with the package's tsconfig.
      env: { ...process.env, TSX_TSCONFIG_PATH: join(packageDir, 'tsconfig.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts);
    for (const waiter of [...waiters]) waiter();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => {
      for (const waiter of [...waiters]) waiter();
      resolve(signal ?? code);
    }),
  );
  return {
    child,
    lines,
    exited,
    until: (done, timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (done(lines)) {
            cleanup();
            resolve();
          } else if (child.exitCode !== null || child.signalCode !== null) {
            cleanup();
            reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode}): ${stderr.slice(-2_000)}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${name} did not get there within ${timeoutMs} ms: ${stderr.slice(-2_000)}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
