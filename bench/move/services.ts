import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { HoldStats } from '@cohort/migrate';
import type { TrafficReport } from '@cohort/testkit/generator';
import type { ServiceSettings } from './service-process.js';

const script = fileURLToPath(new URL('./service-process.ts', import.meta.url));
const runConfig = fileURLToPath(new URL('../tsconfig.run.json', import.meta.url));
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 60_000;

/** A held write as a service reported it when it was let go. */
export interface HeldWrite {
  readonly instanceId: string;
  /** When it was let go (ms since the epoch, the service's clock: the same machine). */
  readonly at: number;
  readonly waitedMs: number;
  readonly reason: 'fenced' | 'lease';
  readonly outcome: 'released' | 'timed-out';
}

/** What a service reported when stopped. */
export interface ServiceReport {
  readonly instanceId: string;
  readonly traffic: TrafficReport;
  readonly hold: HoldStats;
  /** Mirror writes that failed and wait in its repair log (dual-write phases only). */
  readonly repairsPending: number;
}

/** The fleet of service processes of one scenario. */
export interface Services {
  readonly ready: Promise<void>;
  /** Every held write reported so far, all services together. */
  held(): readonly HeldWrite[];
  /** Lease and fence events reported so far (`<instance>: <event>`). */
  fleetEvents(): readonly string[];
  /** Stops the traffic of every service; resolves with their reports once they exited. */
  stop(): Promise<ServiceReport[]>;
  /** Ends whatever is still running (SIGKILL). */
  kill(): void;
}

interface Line {
  readonly t: string;
  readonly at: number;
  readonly [field: string]: unknown;
}

/** Starts `count` service processes, each with `settings(index)`, through tsx as the benchmark itself runs. */
export function startServices(count: number, settings: (index: number) => ServiceSettings): Services {
  const held: HeldWrite[] = [];
  const fleetEvents: string[] = [];
  const instances = Array.from({ length: count }, (_, index) => {
    const own = settings(index);
    const child = spawn(
      process.execPath,
      ['--conditions=@cohort/source', '--import', 'tsx', script, JSON.stringify(own)],
      {
        env: { ...process.env, TSX_TSCONFIG_PATH: runConfig, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    child.stdin.on('error', () => undefined);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
    let report: ServiceReport | null = null;
    let markReady: () => void = () => undefined;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${own.instanceId} not ready in time: ${stderr}`)),
        READY_TIMEOUT_MS,
      );
      markReady = () => {
        clearTimeout(timer);
        resolve();
      };
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${own.instanceId} exited (${code}) before it was ready: ${stderr}`));
      });
    });
    ready.catch(() => undefined);
    createInterface({ input: child.stdout }).on('line', (text) => {
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch {
        stderr += `${text}\n`;
        return;
      }
      if (line.t === 'ready') markReady();
      else if (line.t === 'held') held.push({ ...(line as unknown as HeldWrite), instanceId: own.instanceId });
      else if (line.t === 'fleet')
        fleetEvents.push(
          `${own.instanceId}: ${String(line['event'])} ${typeof line['detail'] === 'string' ? line['detail'] : ''}`,
        );
      else if (line.t === 'report') {
        report = {
          instanceId: own.instanceId,
          traffic: line['traffic'] as TrafficReport,
          hold: line['hold'] as HoldStats,
          repairsPending: line['repairsPending'] as number,
        };
      }
    });
    const stop = async (): Promise<ServiceReport> => {
      child.stdin.write('stop\n');
      const code = await Promise.race([
        exited,
        new Promise((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS, 'timeout')),
      ]);
      if (report === null) {
        child.kill('SIGKILL');
        throw new Error(`${own.instanceId} ended (${String(code)}) without its report: ${stderr}`);
      }
      return report;
    };
    return { ready, stop, kill: () => child.exitCode === null && child.kill('SIGKILL') };
  });
  return {
    ready: Promise.all(instances.map((instance) => instance.ready)).then(() => undefined),
    held: () => held,
    fleetEvents: () => fleetEvents,
    stop: () => Promise.all(instances.map((instance) => instance.stop())),
    kill: () => {
      for (const instance of instances) instance.kill();
    },
  };
}
