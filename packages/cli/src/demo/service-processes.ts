import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { HoldStats } from '@cohort/migrate';
import type { TrafficReport } from '@cohort/testkit/generator';
import {
  DEMO_SERVICE_COMMAND,
  type DemoServiceSettings,
  type DemoServiceStart,
  type ServiceMessage,
} from './service-instance.js';

/** The `cohort` command itself: src/demo/ and dist/demo/ both sit two folders below the package, beside bin/. */
const cohortBin = fileURLToPath(new URL('../../bin/cohort.js', import.meta.url));

/** How long a service process gets to start writing once told where its stores are, and to stop. */
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

/** A held call as a service reported it. */
export interface HeldCall {
  readonly instanceId: string;
  readonly at: number;
  readonly waitedMs: number;
  readonly reason: 'fenced' | 'lease';
  readonly outcome: 'released' | 'timed-out';
}

/** What a service process reported when asked to stop. */
export interface ServiceReport {
  readonly instanceId: string;
  readonly traffic: TrafficReport;
  readonly hold: HoldStats;
}

/** A service instance of the move demo, running in a `cohort demo-service` process of its own. */
export interface ServiceProcess {
  readonly instanceId: string;
  readonly pid: number | undefined;
  /**
   * Tells it where its stores are (`environment`: DATABASE_URL, DYNAMODB_ENDPOINT, …) and resolves once its traffic
   * runs; rejects when the process ends first or does not start in time.
   */
  start(environment: Readonly<Record<string, string>>): Promise<void>;
  /** Writes acknowledged and refused, as of its last tick. */
  acknowledged(): number;
  refused(): number;
  /** Every held call it reported so far. */
  held(): readonly HeldCall[];
  /** Fleet events it reported (a lost lease, a lifted fence, a control-record error), one line each. */
  fleetEvents(): readonly string[];
  /** Asks it to stop its traffic; resolves with its report once it exited. */
  stop(): Promise<ServiceReport>;
  /** Ends it with SIGTERM (SIGKILL if it does not go) and waits for its exit; a no-op once it exited. */
  kill(): Promise<void>;
  /** Its stderr so far (for a failure's message). */
  stderr(): string;
}

/**
 * Spawns a service instance: `cohort demo-service` run by the same Node and the same bin/cohort.js as this process.
 * It loads its modules and waits for `start`. Its stdin stays a pipe from this process: if the operator dies, the
 * pipe closes and the service stops by itself.
 */
export function spawnServiceProcess(settings: DemoServiceSettings, env: NodeJS.ProcessEnv): ServiceProcess {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [cohortBin, DEMO_SERVICE_COMMAND], {
    env,
    stdio: 'pipe',
  });
  const { instanceId } = settings;
  let acknowledged = 0;
  let refused = 0;
  let report: ServiceReport | null = null;
  let stderr = '';
  const held: HeldCall[] = [];
  const fleetEvents: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  // A service that exits while the operator still writes to it must not crash the operator.
  child.stdin.on('error', () => undefined);

  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (error) => {
      stderr += `${error.message}\n`;
      resolve(null);
    });
    child.once('close', (code) => resolve(code));
  });
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));

  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const start = (environment: Readonly<Record<string, string>>): Promise<void> => {
    const message: DemoServiceStart = { settings, environment };
    child.stdin.write(`${JSON.stringify(message)}\n`);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`service ${instanceId} did not start within ${READY_TIMEOUT_MS / 1000} s`)),
        READY_TIMEOUT_MS,
      );
      timer.unref();
      void ready.then(() => {
        clearTimeout(timer);
        resolve();
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(
          new Error(`service ${instanceId} exited (code ${code ?? 'none'}) before it was ready${lastLine(stderr)}`),
        );
      });
    });
  };

  createInterface({ input: child.stdout }).on('line', (line) => {
    let message: ServiceMessage;
    try {
      message = JSON.parse(line) as ServiceMessage;
    } catch {
      stderr += `${line}\n`; // not ours: kept for a failure's message
      return;
    }
    switch (message.t) {
      case 'ready':
        markReady();
        break;
      case 'tick':
        acknowledged = message.acknowledged;
        refused = message.refused;
        break;
      case 'held':
        held.push({
          instanceId,
          at: message.at,
          waitedMs: message.waitedMs,
          reason: message.reason,
          outcome: message.outcome,
        });
        break;
      case 'fleet':
        fleetEvents.push(`${message.event} (${message.detail})`);
        break;
      case 'report':
        report = { instanceId, traffic: message.traffic, hold: message.hold };
        acknowledged = message.traffic.acknowledged;
        break;
    }
  });

  const kill = async (): Promise<void> => {
    if (exitCode !== undefined) return;
    child.kill('SIGTERM');
    const gone = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
    if (!gone) {
      child.kill('SIGKILL');
      await exited;
    }
  };

  return {
    instanceId,
    pid: child.pid,
    start,
    acknowledged: () => acknowledged,
    refused: () => refused,
    held: () => held,
    fleetEvents: () => fleetEvents,
    stderr: () => stderr,
    kill,
    stop: async () => {
      if (exitCode === undefined) child.stdin.end('stop\n');
      const code = await Promise.race([exited, sleep(STOP_TIMEOUT_MS).then(() => 'timeout' as const)]);
      if (code === 'timeout') {
        await kill();
        throw new Error(`service ${instanceId} did not stop within ${STOP_TIMEOUT_MS / 1000} s`);
      }
      if (report === null || code !== 0) {
        throw new Error(`service ${instanceId} ended (code ${code ?? 'none'}) without its report${lastLine(stderr)}`);
      }
      return report;
    },
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

function lastLine(text: string): string {
  const line = text.trim().split('\n').at(-1);
  return line ? `: ${line}` : '';
}
