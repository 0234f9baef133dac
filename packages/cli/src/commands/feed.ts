import { randomBytes } from 'node:crypto';
import { CohortError, type Change, type ChangeFeed, type SubscriptionInfo } from '@cohort/core';
import { CliError } from '../cli-error.js';
import { Progress } from '../progress.js';
import { openStores } from '../stores/open-stores.js';
import { checkEndpoint, type EndpointKind } from '../stores/open-endpoints.js';
import { storeLabels, wirings } from '../stores/wirings.js';

/** What `cohort feed` does: follow the changes, list the subscriptions, or drop one. */
export const feedActions = ['tail', 'list', 'drop'] as const;
export type FeedAction = (typeof feedActions)[number];

export interface FeedCommandOptions {
  readonly action: FeedAction;
  readonly from: EndpointKind;
  /** tail: the durable subscription to follow (created when missing); drop: the one to drop. */
  readonly subscription?: string;
  /** tail: where a new subscription starts, `now` (default) or a position of this store's feed. */
  readonly since?: string;
  /** tail, list: JSON lines on stdout instead of text. */
  readonly json?: boolean;
  /** tail: stop after this many changes (default: follow until interrupted). */
  readonly count?: number;
  /** Resolves when tail should stop (e.g. a signal); tail stops by itself only with `count`. */
  readonly stop?: Promise<void>;
  readonly write?: (text: string) => void;
  readonly progress?: Progress;
  readonly env?: NodeJS.ProcessEnv;
  readonly verbose?: boolean;
}

/** How long one read waits for a first change: short enough that a stop request is answered promptly. */
const READ_WAIT_MS = 1_000;
const READ_LIMIT = 500;

/**
 * `cohort feed`: the change feed of the store DATABASE_URL or DYNAMODB_ENDPOINT names. `tail` prints one change per
 * line (a JSON line with --json) and acknowledges each batch once it is printed, so a tail that is killed and started
 * again with the same --subscription prints what it had not acknowledged again and nothing it had; without
 * --subscription it follows a subscription of its own that it drops when it stops. `list` prints every subscription
 * with its lag; `drop` removes one and frees what the store keeps for it.
 */
export async function runFeed(options: FeedCommandOptions): Promise<void> {
  const write = options.write ?? ((text: string) => void process.stdout.write(`${text}\n`));
  const progress = options.progress ?? new Progress();
  const env = options.env ?? process.env;
  checkEndpoint('--from', options.from, env);
  progress.start(`connecting to ${options.from}`);
  const stores = await openStores({
    layout: wirings[options.from],
    mode: 'configured',
    env,
    log: (line) => (options.verbose ? progress.note(line) : progress.update(line)),
  });
  try {
    const opened = stores.stores[0];
    const feed = opened?.store.changeFeed;
    if (!opened || !feed) throw new CliError(`${storeLabels[options.from]} has no change feed`, 1);
    progress.done(`${storeLabels[options.from]} (${opened.where})`);
    switch (options.action) {
      case 'list':
        listSubscriptions(await feed.listSubscriptions(), options.json ?? false, write);
        break;
      case 'drop': {
        const name = required(options.subscription, 'drop');
        await feed.dropSubscription(name);
        progress.note(`dropped subscription ${name}`);
        break;
      }
      case 'tail':
        await tail(feed, options, write, progress, (cleanup) => stores.defer(cleanup));
        break;
    }
  } finally {
    await stores.close();
  }
}

function required(name: string | undefined, action: FeedAction): string {
  if (!name) throw new CliError(`cohort feed ${action} needs the subscription's name (see cohort --help)`, 2);
  return name;
}

async function tail(
  feed: ChangeFeed,
  options: FeedCommandOptions,
  write: (text: string) => void,
  progress: Progress,
  defer: (cleanup: () => Promise<void>) => void,
): Promise<void> {
  const own = options.subscription === undefined;
  const name = options.subscription ?? `tail_${randomBytes(4).toString('hex')}`;
  const from = options.since ?? 'now';
  let created = false;
  try {
    await feed.createSubscription(name, { from });
    created = true;
  } catch (error) {
    // An existing subscription resumes where its consumer acknowledged; --since only places a new one.
    if (!(CohortError.is(error) && error.code === 'CONFLICT') || own) throw error;
  }
  if (own) defer(() => feed.dropSubscription(name).catch(() => undefined));
  const reader = await feed.openReader(name);
  let stopped = false;
  // On Ctrl-C the stores close under the loop: it must not read again from the closed session. Runs before the
  // subscription is dropped and the stores close (cleanups run last-registered first).
  defer(() => {
    stopped = true;
    return reader.close();
  });
  progress.note(
    own
      ? `following ${name} from ${from} (dropped when this command stops); Ctrl-C to stop`
      : `${created ? 'created' : 'resuming'} subscription ${name}; Ctrl-C to stop`,
  );
  void options.stop?.then(() => {
    stopped = true;
  });
  let printed = 0;
  while (!stopped && (options.count === undefined || printed < options.count)) {
    const want = options.count === undefined ? READ_LIMIT : Math.min(READ_LIMIT, options.count - printed);
    const changes = await reader.read({ limit: want, waitMs: READ_WAIT_MS });
    for (const change of changes) write(options.json ? changeJson(change) : changeLine(change));
    printed += changes.length;
    const last = changes.at(-1);
    if (last) await reader.acknowledge(last.position);
  }
  await reader.close();
}

/** `2026-12-07T15:30:00.123Z upsert users 0193…-… {"email":…}`: one change on one line. */
function changeLine(change: Change): string {
  const record = change.record === null ? '' : ` ${JSON.stringify(change.record)}`;
  return `${change.committedAt.toISOString()} ${change.op} ${change.recordSet} ${change.key}${record}`;
}

function changeJson(change: Change): string {
  return JSON.stringify({
    recordSet: change.recordSet,
    key: change.key,
    op: change.op,
    committedAt: change.committedAt.toISOString(),
    position: change.position,
    record: change.record,
  });
}

const number = new Intl.NumberFormat('en-US');

function listSubscriptions(subscriptions: readonly SubscriptionInfo[], json: boolean, write: (text: string) => void) {
  if (json) {
    for (const info of subscriptions) write(JSON.stringify({ ...info, createdAt: info.createdAt.toISOString() }));
    return;
  }
  if (subscriptions.length === 0) {
    write('no subscriptions');
    return;
  }
  const rows = subscriptions.map((info) => [
    info.name,
    info.createdAt.toISOString(),
    info.reading ? 'reading' : 'idle',
    info.lag.changes === null ? '–' : number.format(info.lag.changes),
    info.lag.bytes === null ? '–' : number.format(info.lag.bytes),
    info.lag.ms === null ? '–' : number.format(info.lag.ms),
  ]);
  const header = ['subscription', 'created', 'session', 'lag changes', 'lag bytes', 'lag ms'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  for (const row of [header, ...rows]) {
    write(
      row
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
        .join('  '),
    );
  }
}
