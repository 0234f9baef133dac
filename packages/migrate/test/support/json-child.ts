import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** One JSON line a fixture printed (`t` names its kind, `at` when it was printed). */
export type JsonLine = { readonly t: string; readonly at: number } & Record<string, unknown>;

/** A fixture in a process of its own that prints one JSON object per line. */
export interface JsonChild {
  readonly name: string;
  readonly lines: JsonLine[];
  /** The first line from index `from` on that matches; rejects when the child exits or the time runs out first. */
  waitFor(match: (line: JsonLine) => boolean, options?: { from?: number; timeoutMs?: number }): Promise<JsonLine>;
  send(line: string): void;
  kill(signal: NodeJS.Signals): void;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** Every child started, so a test's afterAll can kill what is left. */
export const children: ChildProcess[] = [];

/**
 * Runs `test/fixtures/<fixture>` with `args` (JSON) in its own Node process, the sources through tsx, as every
 * cross-process test of this package starts its children.
 */
export function spawnFixture(fixture: string, args: object): ChildProcessWithoutNullStreams {
  return spawn(
    process.execPath,
    [
      '--conditions=@cohort/source',
      '--import',
      'tsx',
      join(packageDir, 'test', 'fixtures', fixture),
      JSON.stringify(args),
    ],
    {
      cwd: packageDir,
      env: {
        ...process.env,
        TSX_TSCONFIG_PATH: join(packageDir, 'tsconfig.run.json'),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
}

/** `spawnFixture`, reading the JSON lines it prints. */
export function startJsonChild(name: string, fixture: string, args: object): JsonChild {
  const child = spawnFixture(fixture, args);
  children.push(child);
  const lines: JsonLine[] = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  let errors = '';
  let gone = false;
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const complete = buffer.split('\n');
    buffer = complete.pop() ?? '';
    for (const text of complete) {
      if (text.trim() === '') continue;
      try {
        lines.push(JSON.parse(text) as JsonLine);
      } catch {
        lines.push({ t: 'text', at: Date.now(), text });
      }
    }
    for (const wake of waiters) wake();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      gone = true;
      resolve({ code, signal });
      for (const wake of waiters) wake();
    }),
  );
  const tail = () => {
    const show = (list: JsonLine[]) => list.map((line) => JSON.stringify(line).slice(0, 400)).join('\n');
    const troubles = lines.filter((line) => /error|failed/.test(line.t)).slice(0, 4);
    return `${show(lines.slice(-6))}${troubles.length > 0 ? `\nerrors:\n${show(troubles)}` : ''}\nstderr: ${errors.slice(-1500)}`;
  };
  return {
    name,
    lines,
    exited,
    stderr: () => errors,
    send: (line) => void child.stdin.write(`${line}\n`),
    kill: (signal) => void child.kill(signal),
    waitFor: (match, { from = 0, timeoutMs = 120_000 } = {}) =>
      new Promise((resolve, reject) => {
        const deadline = setTimeout(
          () => finish(new Error(`${name}: timed out waiting; last lines:\n${tail()}`)),
          timeoutMs,
        );
        const finish = (error: Error | null, line?: JsonLine) => {
          clearTimeout(deadline);
          waiters.delete(check);
          if (error) reject(error);
          else resolve(line as JsonLine);
        };
        let cursor = from;
        const check = () => {
          while (cursor < lines.length) {
            const line = lines[cursor] as JsonLine;
            cursor += 1;
            if (match(line)) return finish(null, line);
          }
          if (gone) finish(new Error(`${name} exited; last lines:\n${tail()}`));
        };
        waiters.add(check);
        check();
      }),
  };
}
