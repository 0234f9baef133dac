// The fleet claim with real processes: four service instances, each a Node process of its own with its own
// strangler store over one PostgreSQL and one DynamoDB Local, take their phases from a control record in PostgreSQL
// and write continuously, while this process (the operator) fences, waits for every lease, flips the store of record
// and releases. Nothing is shared in process memory: every guarantee comes from the control record and the leases.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CohortStore, ControlRecords, Membership, PortName } from '@cohort/core';
import { startDynamo, startPostgres, type DynamoServer, type PostgresServer } from '@cohort/local-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMirrorClock,
  createPhaseController,
  fleetControl,
  reconcile,
  stranglerStore,
  type CutOverReport,
  type FleetControl,
} from '../src/index.js';
import { createDynamoSpec, createPostgresSpec, openStore, type OpenStore } from './support/real-stores.js';
import { spawnFixture } from './support/json-child.js';

const MOVING: PortName[] = ['users', 'communities', 'memberships', 'posts', 'events'];
const MOVING_SETS = [
  'users',
  'communities',
  'memberships',
  'posts',
  'comments',
  'reactions',
  'events',
  'registrations',
] as const;
const INSTANCES = 4;
/**
 * How long the children hold a write (the default is 2 s): this machine's 2 cores run PostgreSQL, DynamoDB Local's JVM
 * and four instances (and other engineers' work), and a write in flight there can take seconds, which the fence waits
 * for. A write held past the bound fails with UNAVAILABLE, unwritten, which the checks below allow.
 */
const HOLD_BOUND_MS = 10_000;

let postgres: PostgresServer;
let dynamo: DynamoServer;
const opened: OpenStore[] = [];
const running = new Set<Child>();

/** One line a child printed (see fixtures/fleet-child.ts). */
type Line = Record<string, unknown> & { readonly t: string; readonly at: number };

class Child {
  readonly lines: Line[] = [];
  private errors = '';
  readonly exited: Promise<number | null>;
  private readonly proc: ChildProcessWithoutNullStreams;

  constructor(
    readonly id: string,
    args: object,
  ) {
    this.proc = spawnFixture('fleet-child.ts', args);
    running.add(this);
    let buffer = '';
    this.proc.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('{')) this.lines.push(JSON.parse(line) as Line);
    });
    this.proc.stderr.on('data', (chunk: Buffer) => (this.errors += chunk.toString()));
    this.exited = new Promise((resolve) => this.proc.on('exit', (code) => resolve(code)));
    void this.exited.then(() => running.delete(this));
  }

  async until(t: string, timeoutMs = 60_000): Promise<Line> {
    const started = Date.now();
    for (;;) {
      const line = this.lines.find((candidate) => candidate.t === t);
      if (line) return line;
      if (Date.now() - started > timeoutMs || this.proc.exitCode !== null) {
        throw new Error(`${this.id} printed no ${t}: ${this.errors.slice(-3_000)}`);
      }
      await sleep(20);
    }
  }

  signal(signal: 'SIGSTOP' | 'SIGCONT' | 'SIGKILL'): void {
    this.proc.kill(signal);
  }

  async stop(): Promise<void> {
    this.proc.stdin.write('stop\n');
    await this.until('done', 30_000);
    await this.exited;
  }

  of(t: string): Line[] {
    return this.lines.filter((line) => line.t === t);
  }
}

interface Fleet {
  readonly operator: FleetControl;
  /** What the last catch-up under the fence copied, per record set. */
  readonly caughtUp: Record<string, number>[];
  readonly primary: CohortStore;
  readonly secondary: CohortStore;
  readonly users: readonly string[];
  readonly community: string;
  readonly event: string;
  readonly children: readonly Child[];
}

/** Fresh stores, the fleet at shadow-read, seeded users and a community, and INSTANCES children writing. */
async function startFleet(name: string, childOptions: object = {}): Promise<Fleet> {
  const clock = createMirrorClock();
  const pg = await openStore(await createPostgresSpec(postgres.url), clock);
  const dy = await openStore(createDynamoSpec(dynamo.endpoint), clock);
  opened.push(pg, dy);
  const key = `fleet/${name}`;
  const operator = fleetControl(pg.store.control as ControlRecords, { key });
  await operator.setPhase('all', 'dual-write');
  await operator.setPhase('all', 'shadow-read');
  const seeding = stranglerStore(pg.store, dy.store, createPhaseController('shadow-read'), { clock });
  const users: string[] = [];
  for (let index = 0; index < 8; index += 1) {
    const user = await seeding.users.create({ email: `${name}-${index}@example.com`, displayName: `user ${index}` });
    users.push(user.id);
  }
  const community = await seeding.communities.create({ slug: `${name}-c`, name, ownerId: users[0] as string });
  const startsAt = new Date(Date.now() + 86_400_000);
  const event = await seeding.events.create({
    title: `${name} meetup`,
    hostId: users[0] as string,
    communityId: community.id,
    startsAt,
    endsAt: new Date(startsAt.getTime() + 3_600_000),
    capacity: 3,
  });
  const children = Array.from(
    { length: INSTANCES },
    (_, index) =>
      new Child(`${name}-i${index + 1}`, {
        instanceId: `${name}-i${index + 1}`,
        postgres: pg.spec,
        dynamo: dy.spec,
        key,
        users,
        community: community.id,
        members: users.slice(1),
        event: event.id,
        ...childOptions,
      }),
  );
  await Promise.all(children.map((child) => child.until('ready')));
  return {
    operator,
    caughtUp: [],
    primary: pg.store,
    secondary: dy.store,
    users,
    community: community.id,
    event: event.id,
    children,
  };
}

/** Waits until every child acknowledged `count` writes admitted at `epoch` or later (the fleet is really writing). */
async function writing(fleet: Fleet, epoch: number, count = 3, timeoutMs = 90_000): Promise<void> {
  const started = Date.now();
  const acked = (child: Child) =>
    child.of('route').filter((route) => (route['epoch'] as number) >= epoch).length >= count &&
    child.of('ack').length > 0;
  while (!fleet.children.every(acked)) {
    if (Date.now() - started > timeoutMs) throw new Error('the fleet is not writing');
    await sleep(50);
  }
}

async function allMembers(store: CohortStore, community: string): Promise<Membership[]> {
  const members: Membership[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.memberships.listMembers(community, { limit: 100, ...(cursor ? { cursor } : {}) });
    members.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return members;
}

/**
 * Under the fence, makes the next store of record equal to the current one for the moving record sets: mirrors of
 * one record from two processes can still land out of order (the per-process mirror lock), and a stale copy must
 * not become the store of record. Nothing writes the fenced ports meanwhile, so one round is exact.
 */
function catchUp(fleet: Fleet, from: 'primary' | 'secondary') {
  return async (): Promise<void> => {
    const [source, target] = from === 'primary' ? [fleet.primary, fleet.secondary] : [fleet.secondary, fleet.primary];
    const report = await reconcile({ source, target, only: MOVING_SETS, maxRounds: 2 });
    fleet.caughtUp.push(Object.fromEntries(report.recordSets.map((set) => [set.recordSet, set.copied + set.deleted])));
  };
}

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0);
};

/**
 * What must hold after any run: no version of a user acknowledged twice (two stores of record would each hand it
 * out), the store of record holds at least the last acknowledged version of every user (the exact write when nothing
 * failed after being applied), memberCount equals the memberships in the store of record, and reconciling makes
 * the other store hold the same memberships.
 */
async function expectOneStoreOfRecord(fleet: Fleet, storeOfRecord: CohortStore, strict = true): Promise<void> {
  const acks = fleet.children.flatMap((child) => child.of('ack'));
  const versions = new Map<string, Map<number, string>>();
  const twice: string[] = [];
  for (const ack of acks.filter((line) => line['op'] === 'update')) {
    const user = ack['key'] as string;
    const byVersion = versions.get(user) ?? new Map<number, string>();
    versions.set(user, byVersion);
    const version = ack['version'] as number;
    if (byVersion.has(version)) {
      twice.push(`${user} v${version}: ${byVersion.get(version)} and ${String(ack['name'])} (acked at ${ack.at})`);
    }
    byVersion.set(version, ack['name'] as string);
  }
  expect(acks.length).toBeGreaterThan(20);
  let behind = 0;
  if (!strict) {
    for (const user of fleet.users) {
      const stored = await storeOfRecord.users.getById(user);
      const byVersion = versions.get(user);
      if (stored && byVersion && stored.version < Math.max(...byVersion.keys())) behind += 1;
    }
    console.log(
      `not strict: versions acknowledged twice ${twice.length}, users behind an acknowledged version ${behind}`,
    );
  } else {
    expect(twice).toEqual([]);
  }
  // A write that failed after it was sent may have been applied; one held past the bound was not sent at all.
  const appliedButFailed = fleet.children
    .flatMap((child) => child.of('error'))
    .filter((line) => line['op'] === 'update' && !/was held \d+ ms and not written/.test(line['message'] as string));
  for (const user of strict ? fleet.users : []) {
    const stored = await storeOfRecord.users.getById(user);
    const byVersion = versions.get(user);
    if (!stored || !byVersion) continue;
    const last = Math.max(...byVersion.keys());
    expect(stored.version).toBeGreaterThanOrEqual(last);
    if (appliedButFailed.length === 0) {
      expect(stored.version, `user ${user}`).toBe(last);
      expect(stored.displayName).toBe(byVersion.get(last));
    }
  }
  // A waitlist position (or seat) is handed to one user only, and the event's counters match its registrations.
  const positions = new Map<number, string>();
  const shared: string[] = [];
  for (const ack of acks.filter((line) => line['op'] === 'register')) {
    const position = ack['position'] as number;
    const holder = positions.get(position);
    if (holder !== undefined && holder !== ack['key']) shared.push(`#${position}: ${holder} and ${String(ack['key'])}`);
    positions.set(position, ack['key'] as string);
  }
  if (strict) expect(shared).toEqual([]);
  else console.log(`not strict: positions handed to two users ${shared.length}`);
  const event = await storeOfRecord.events.getById(fleet.event);
  const registrations = (await storeOfRecord.events.listRegistrations(fleet.event, {}, { limit: 100 })).items;
  const community = await storeOfRecord.communities.getById(fleet.community);
  const counters = {
    registered: [event?.registeredCount, registrations.filter((r) => r.status === 'registered').length],
    waitlisted: [event?.waitlistCount, registrations.filter((r) => r.status === 'waitlisted').length],
    members: [community?.memberCount, (await allMembers(storeOfRecord, fleet.community)).length],
  };
  // A stale whole-record mirror copy a frozen instance had in its driver can also land a stale counter (the same
  // unsolved hole as above: only a fencing token checked by the store could refuse it).
  if (strict) for (const [name, [counter, rows]] of Object.entries(counters)) expect(counter, name).toBe(rows);
  else console.log(`not strict: counters beside their rows ${JSON.stringify(counters)}`);
  // The other store follows by mirrors; a mirror an instance stopped (its lease lapsed) waits in its repair log, so
  // the other store may lag: reconciling from the store of record brings it level, and nothing is lost.
  const other = storeOfRecord === fleet.primary ? fleet.secondary : fleet.primary;
  const mirrored = await other.communities.getById(fleet.community);
  const mirroredMembers = (await allMembers(other, fleet.community)).length;
  if (mirrored?.memberCount !== mirroredMembers) {
    console.log(`the other store lags: memberCount ${mirrored?.memberCount} beside ${mirroredMembers} memberships`);
  }
  await reconcile({ source: storeOfRecord, target: other, only: MOVING_SETS });
  // Reconciling copies what the store of record holds, rows and counter alike; whether that counter equals its rows
  // was checked above (strictly only when no stale copy can have landed), so the rows are compared with rows here.
  const memberIds = async (store: CohortStore): Promise<string[]> =>
    (await allMembers(store, fleet.community)).map((member) => member.userId).sort();
  expect((await other.communities.getById(fleet.community))?.memberCount).toBe(community?.memberCount);
  expect(await memberIds(other)).toEqual(await memberIds(storeOfRecord));
}

function errorCounts(fleet: Fleet): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of fleet.children.flatMap((child) => child.of('error'))) {
    const kind = `${String(line['code'])}${/was held/.test(line['message'] as string) ? ' (held past the bound)' : ''}`;
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/** Every held call's extra latency, per instance and over all. */
function pauses(fleet: Fleet): { all: { p50: number; p100: number; n: number }; perInstance: Record<string, object> } {
  const waits: number[] = [];
  const perInstance: Record<string, object> = {};
  for (const child of fleet.children) {
    const held = child.of('event').filter((line) => line['type'] === 'held');
    const mine = held.map((line) => line['waitedMs'] as number);
    waits.push(...mine);
    const stats: Record<string, unknown> = child.of('stats')[0] ?? {};
    perInstance[child.id] = {
      held: mine.length,
      timedOut: held.filter((line) => line['outcome'] === 'timed-out').length,
      p50Ms: Math.round((stats['p50Ms'] as number) ?? 0),
      p100Ms: Math.round((stats['p100Ms'] as number) ?? 0),
    };
  }
  return { all: { p50: percentile(waits, 50), p100: percentile(waits, 100), n: waits.length }, perInstance };
}

beforeAll(async () => {
  [postgres, dynamo] = await Promise.all([startPostgres(), startDynamo()]);
}, 300_000);

afterAll(async () => {
  for (const child of running) child.signal('SIGKILL');
  for (const store of opened.splice(0)) await store.drop().catch(() => undefined);
  await Promise.all([postgres?.stop(), dynamo?.stop()]);
}, 300_000);

describe('a fleet of service processes on one PostgreSQL and one DynamoDB', () => {
  it('cuts over behind a fence: no write acknowledged by two stores of record, and the pause measured', async () => {
    const fleet = await startFleet(`cut${Date.now().toString(36)}`, { holdBoundMs: HOLD_BOUND_MS });
    await writing(fleet, 0, 10);
    const report: CutOverReport = await fleet.operator.cutOver({
      ports: MOVING,
      phase: 'secondary-primary',
      timeoutMs: 10_000,
      beforeFlip: catchUp(fleet, 'primary'),
    });
    await writing(fleet, report.release.epoch, 10);
    await Promise.all(fleet.children.map((child) => child.stop()));

    expect(report.outcome).toBe('flipped');
    expect([...report.wait.acknowledged].sort()).toEqual(fleet.children.map((child) => child.id).sort());
    expect(report.wait.expired).toEqual([]);
    // Each write went to the store of record of the epoch it was admitted under; none to a fenced port while fenced.
    for (const child of fleet.children) {
      for (const route of child.of('route')) {
        const epoch = route['epoch'] as number;
        if (!MOVING.includes(route['port'] as PortName)) continue;
        expect(epoch, `${child.id} wrote while fenced`).not.toBe(report.fence.epoch);
        expect(route['storeOfRecord']).toBe(epoch < report.fence.epoch ? 'primary' : 'secondary');
      }
      expect(child.of('route').some((route) => (route['epoch'] as number) === report.release.epoch)).toBe(true);
    }
    await expectOneStoreOfRecord(fleet, fleet.secondary);
    const measured = pauses(fleet);
    console.log(
      `fleet cut-over: fence -> release ${Math.round(report.release.pauseMs)} ms ` +
        `(awaitFence ${Math.round(report.wait.waitedMs)} ms, catch-up copied ${JSON.stringify(fleet.caughtUp)}); ` +
        `held calls n=${measured.all.n} p50 ${Math.round(measured.all.p50)} ms p100 ${Math.round(measured.all.p100)} ms; ` +
        `errors ${JSON.stringify(errorCounts(fleet))}; per instance`,
      measured.perInstance,
    );
    expect(measured.all.n).toBeGreaterThan(0);
    expect(report.release.pauseMs).toBeLessThan(HOLD_BOUND_MS);
  }, 180_000);

  it('a frozen instance is counted out once its lease expires, and after SIGCONT writes nothing to the old store of record', async () => {
    const fleet = await startFleet(`stop${Date.now().toString(36)}`, { holdBoundMs: HOLD_BOUND_MS });
    await writing(fleet, 0, 10);
    const victim = fleet.children[0] as Child;
    victim.signal('SIGSTOP');
    const report = await fleet.operator.cutOver({
      ports: MOVING,
      phase: 'secondary-primary',
      timeoutMs: 8_000,
      beforeFlip: catchUp(fleet, 'primary'),
    });
    await sleep(300);
    const resumedAt = Date.now();
    victim.signal('SIGCONT');
    await writing(fleet, report.release.epoch, 5);
    await Promise.all(fleet.children.map((child) => child.stop()));

    const current = await fleet.operator.read();
    expect(current.fenced).toEqual([]);
    const storeOfRecord = report.outcome === 'flipped' ? 'secondary' : 'primary';
    if (report.outcome === 'flipped') {
      expect(report.wait.expired).toEqual([victim.id]);
      expect(report.wait.waitedMs).toBeGreaterThanOrEqual(1_000); // its whole lease, watched unrenewed
      expect(current.phases.users).toBe('secondary-primary');
    } else {
      expect(current.phases.users).toBe('shadow-read');
    }
    // Awake again, the victim wrote only under the current epoch, to the current store of record.
    const afterWake = victim.of('route').filter((route) => route.at >= resumedAt);
    expect(afterWake.length).toBeGreaterThan(0);
    for (const route of afterWake) {
      expect(route['epoch']).toBe(report.release.epoch);
      expect(route['storeOfRecord']).toBe(storeOfRecord);
    }
    expect(victim.of('event').some((line) => line['type'] === 'lease-lost')).toBe(true);
    const measured = pauses(fleet);
    console.log(
      `fleet cut-over with ${victim.id} frozen: ${report.outcome}, fence -> release ${Math.round(report.release.pauseMs)} ms ` +
        `(awaitFence ${Math.round(report.wait.waitedMs)} ms, expired ${report.wait.expired.join(',')}); ` +
        `held calls n=${measured.all.n} p50 ${Math.round(measured.all.p50)} ms p100 ${Math.round(measured.all.p100)} ms; ` +
        `errors ${JSON.stringify(errorCounts(fleet))}; victim errors after wake: ` +
        JSON.stringify(
          victim
            .of('error')
            .filter((line) => line.at >= resumedAt)
            .map((line) => line['message']),
        ) +
        ` stats ${JSON.stringify(fleet.children.map((child) => child.of('stats')[0]))}`,
      measured.perInstance,
    );
    // A write the victim had already handed to a driver when it froze reaches the store when it wakes, whatever the
    // fleet decided meanwhile: only a fencing token checked by the store itself could refuse it (see the README). So
    // the store-of-record check is strict only when the victim froze with nothing in a driver.
    const lapse = victim.of('event').find((line) => line['type'] === 'lease-lost' && line.at >= resumedAt);
    const frozenInDriver = (lapse?.['inDriver'] as number | undefined) ?? 0;
    console.log(`victim froze with ${frozenInDriver} write(s) in a driver`);
    await expectOneStoreOfRecord(
      fleet,
      storeOfRecord === 'secondary' ? fleet.secondary : fleet.primary,
      frozenInDriver === 0,
    );
  }, 180_000);
});
