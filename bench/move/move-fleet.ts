import { startDynamo, type PostgresServer } from '@cohort/local-servers';
import { verify, type VerifyReport } from '@cohort/migrate';
import { checkTraffic, type GeneratedPlatform } from '@cohort/testkit/generator';
import { loadThroughPutMany, type LoadReport } from '../stores/load.js';
import { createDynamoSpec, createPostgresSpec, openStore, type OpenStore, type StoreKind } from './move-stores.js';
import { startServices, type HeldWrite, type ServiceReport, type Services } from './services.js';

/** How one scenario is run: the same for the online move and the dual-write path. */
export interface ScenarioSettings {
  readonly from: StoreKind;
  readonly to: StoreKind;
  /** Names its databases, table and fleet key (unique in the run). */
  readonly name: string;
  readonly platform: GeneratedPlatform;
  readonly postgres: PostgresServer;
  /** The DynamoDB feed's pollMs; undefined keeps the adapter's default (250 ms). */
  readonly dynamoPollMs: number | undefined;
  readonly services: number;
  /** Writes per second of all services together. */
  readonly writesPerSecond: number;
  readonly log: (line: string) => void;
}

/** Two fresh stores (the platform loaded into the source), a DynamoDB Local of their own, and the service fleet. */
export interface Fleet {
  readonly source: OpenStore;
  readonly target: OpenStore;
  /** The store holding the fleet's control record: the PostgreSQL one. */
  readonly control: OpenStore;
  readonly fleetKey: string;
  readonly load: LoadReport;
  readonly services: Services;
  close(): Promise<void>;
}

/** The fleets set up and not yet closed, so an interrupted run can stop their processes and servers. */
const openFleets = new Set<() => Promise<void>>();

/** Closes every fleet still open (services killed, stores dropped, DynamoDB Local stopped). */
export async function closeOpenFleets(): Promise<void> {
  for (const close of [...openFleets]) await close();
}

/** Sets up a scenario: servers, stores, the platform in the source, `settings.services` service processes writing. */
export async function startFleet(
  settings: ScenarioSettings,
  limits: { holdBoundMs?: number; fenceAbandonMs?: number } = {},
): Promise<Fleet> {
  const { log } = settings;
  // A DynamoDB Local of its own: stream records of earlier scenarios pile up in it and slow it down.
  const dynamo = await startDynamo({ log: (line) => log(`dynamo: ${line}`), useEnv: false });
  const cleanups: (() => Promise<unknown>)[] = [() => dynamo.stop()];
  const close = async () => {
    openFleets.delete(close);
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  openFleets.add(close);
  try {
    const spec = async (kind: StoreKind, role: string) =>
      kind === 'postgres'
        ? createPostgresSpec(settings.postgres.url, `${settings.name}_${role}`)
        : createDynamoSpec(dynamo.endpoint, `${settings.name}-${role}`, settings.dynamoPollMs);
    // The benchmark's side (load, backfill, replication, verify) gets a 60 s deadline per DynamoDB call: DynamoDB Local
    // on a shared 2-core machine has taken over 10 s (the default) to answer one putMany. The services keep 10 s.
    const own = { poolSize: 16, timeoutMs: 60_000 };
    const source = await openStore(await spec(settings.from, 'source'), own);
    cleanups.push(() => source.drop());
    const target = await openStore(await spec(settings.to, 'target'), own);
    cleanups.push(() => target.drop());
    log(`loading the platform into the source (${settings.from})`);
    const load = await loadThroughPutMany(source.store.recordSets, settings.platform, {
      batchSize: 1_000,
      concurrency: 4,
      onProgress: (line) => log(`load: ${line}`),
    });
    const control = settings.from === 'postgres' ? source : target;
    const fleetKey = `cohort/bench/${settings.name}`;
    log(`starting ${settings.services} service processes at ${settings.writesPerSecond} writes/s in all`);
    const services = startServices(settings.services, (index) => ({
      // The tag of its traffic's entities too: slugs take lower-case letters, digits and hyphens only.
      instanceId: `${settings.name.replaceAll('_', '-')}-svc${index + 1}`,
      source: source.spec,
      target: target.spec,
      control: control === source ? 'source' : 'target',
      fleetKey,
      writesPerSecond: settings.writesPerSecond / settings.services,
      ...limits,
    }));
    cleanups.push(() => Promise.resolve(services.kill()));
    await services.ready;
    return { source, target, control, fleetKey, load, services, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The figures of one verify. */
export interface VerifyFigures {
  readonly ok: boolean;
  readonly differences: number;
  readonly inFlight: number;
  readonly dangling: number;
  readonly elapsedMs: number;
  /** The record sets with differences and the first few keys, when there are any. */
  readonly detail: string;
  /**
   * Record sets whose drill-down stopped at verify's listing limit (100 differing keys, writes in flight included)
   * before every differing bucket was read: verify never calls such a set equal, so `ok` is false.
   */
  readonly truncated: readonly string[];
}

/** Verifies `target` against `source` (the store of record) while the services write, telling writes in flight by the feeds. */
export async function verifyUnderTraffic(source: OpenStore, target: OpenStore): Promise<VerifyFigures> {
  const report: VerifyReport = await verify({
    source: source.store,
    target: target.store,
    feeds: { source: source.store.changeFeed, target: target.store.changeFeed },
    recheckDelayMs: 1_000,
  });
  const detail = report.recordSets
    .filter((set) => set.differenceCount > 0)
    .map(
      (set) =>
        `${set.recordSet}: ${set.differenceCount} (${set.differences
          .slice(0, 3)
          .map((d) => `${d.kind} ${d.key}${d.fields.length > 0 ? ` [${d.fields.join(',')}]` : ''}`)
          .join(', ')})`,
    )
    .concat(
      report.integrity
        .filter((check) => check.danglingCount > 0)
        .map((check) => `${check.store} ${check.recordSet}.${check.field}: ${check.danglingCount} dangling`),
    )
    .join('; ');
  return {
    ok: report.ok,
    differences: report.summary.differences,
    inFlight: report.summary.inFlight,
    dangling: report.summary.danglingReferences,
    elapsedMs: report.elapsedMs,
    detail,
    truncated: report.recordSets.filter((set) => set.truncated).map((set) => set.recordSet),
  };
}

/** Held writes as the services felt them in one window. */
export interface HoldFigures {
  readonly held: number;
  readonly timedOut: number;
  readonly p50Ms: number | null;
  readonly p100Ms: number | null;
}

/** The held writes let go in [fromMs, untilMs] (epoch ms). */
export function holdsBetween(held: readonly HeldWrite[], fromMs: number, untilMs: number): HoldFigures {
  const inWindow = held.filter((write) => write.at >= fromMs && write.at <= untilMs);
  const sorted = inWindow.map((write) => write.waitedMs).sort((a, b) => a - b);
  return {
    held: inWindow.length,
    timedOut: inWindow.filter((write) => write.outcome === 'timed-out').length,
    p50Ms: nearestRank(sorted, 0.5),
    p100Ms: sorted.at(-1) ?? null,
  };
}

/** The nearest-rank quantile `q` (0–1) of ascending values, as @cohort/migrate's lag summary takes it. */
export function nearestRank(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] as number;
}

/** What the services' traffic came to, and whether the store of record holds every write they saw acknowledged. */
export interface TrafficFigures {
  readonly acknowledged: number;
  readonly writesPerSecond: number;
  /** Refused writes by code, all services together (the traffic provokes none on purpose). */
  readonly errors: Record<string, number>;
  readonly firstErrors: readonly string[];
  /** Acknowledged writes the store of record does not show (checkTraffic), all services together. */
  readonly missing: number;
  readonly missingSample: readonly string[];
  readonly repairsPending: number;
  /** Every held call over the whole scenario (the controller's own statistics, per service). */
  readonly holdStats: readonly { instanceId: string; held: number; timedOut: number; p50Ms: number; p100Ms: number }[];
}

/** Sums the services' reports and checks their ledgers against `storeOfRecord`. */
export async function trafficFigures(
  reports: readonly ServiceReport[],
  storeOfRecord: OpenStore,
): Promise<TrafficFigures> {
  const errors: Record<string, number> = {};
  const missing: string[] = [];
  for (const report of reports) {
    for (const [code, count] of Object.entries(report.traffic.errors)) errors[code] = (errors[code] ?? 0) + count;
    missing.push(...(await checkTraffic(storeOfRecord.store, report.traffic.ledger)));
  }
  const acknowledged = reports.reduce((sum, report) => sum + report.traffic.acknowledged, 0);
  const elapsedMs = Math.max(...reports.map((report) => report.traffic.elapsedMs));
  return {
    acknowledged,
    writesPerSecond: elapsedMs > 0 ? Math.round((acknowledged * 1000) / elapsedMs) : 0,
    errors,
    firstErrors: reports.flatMap((report) => report.traffic.firstErrors).slice(0, 5),
    missing: missing.length,
    missingSample: missing.slice(0, 5),
    repairsPending: reports.reduce((sum, report) => sum + report.repairsPending, 0),
    holdStats: reports.map((report) => ({
      instanceId: report.instanceId,
      held: report.hold.held,
      timedOut: report.hold.timedOut,
      p50Ms: Math.round(report.hold.p50Ms),
      p100Ms: Math.round(report.hold.p100Ms),
    })),
  };
}
