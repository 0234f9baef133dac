import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CohortError, recordSetNames, type RecordSetName } from '@cohort/core';
import { DEFAULT_FLEET_KEY, DEFAULT_LAG_GATE_MS, DEFAULT_PAUSE_BOUND_MS, MAX_BATCH_SIZE } from '@cohort/migrate';
import { CliError, firstLine } from './cli-error.js';
import { runDemo } from './commands/demo.js';
import { runMoveDemo } from './commands/demo-move.js';
import { feedActions, runFeed, type FeedAction } from './commands/feed.js';
import { defaultCheckpoint, runMigrate } from './commands/migrate.js';
import { GATE_WAIT_MS, moveCheckpointPath, runMove, type MoveAction } from './commands/move.js';
import { runMoveStatus } from './commands/move-status.js';
import { runSeed, seedScales } from './commands/seed.js';
import { runVerify } from './commands/verify.js';
import { DEMO_SERVICE_COMMAND, runDemoService } from './demo/service-instance.js';
import { Progress } from './progress.js';
import { endpointKinds, type EndpointKind } from './stores/open-endpoints.js';
import { wiringNames, type WiringName } from './stores/wirings.js';

const usage = `Usage: cohort <command> [options]

Commands:
  demo      Start embedded stores, seed a small platform, run a scripted day through the services and print it
              demo --move   instead, move the activity context from PostgreSQL to DynamoDB and back, online, while
                            3 service processes write: a live view, the write pause of each switch, verify
  seed      Fill the configured stores with a generated platform
  migrate   Copy the platform from one configured store to the other: --from and --to, postgres or dynamo
  verify    Compare two configured stores record by record (--from and --to, as for migrate)
  move      Move online from one configured store to the other (--from, --to) while services write. The
            fleet's phases of the moving ports say the direction: primary-only (served by --from), take or
            resume a subscription on its change feed, backfill, then apply the feed to --to; secondary-only
            (after a cut-over), apply --to's feed back to --from. Until Ctrl-C or --follow-seconds; then
            verify (while still following) and print a summary. The subscriptions stay: the same command
            resumes. The phases live in --control under key ${DEFAULT_FLEET_KEY}: every service instance's
            createFleetPhaseController must watch that store and key
              move --cutover    follow until the lag is under the gate, then the fenced switch to --to
                                (every instance holds its writes to the ports, a marker through the feed,
                                flip, release), print each step and the pause, then follow back
              move --rollback   the same switch back to --from, after a cut-over
              move --status     moving nothing: phases, fence and epoch, leases, direction, both
                                subscriptions with their lag, the backfill checkpoint
  feed      The change feed of a configured store (--from): every committed change of every record set
              feed tail [--subscription <name>] [--since now|<position>] [--json] [--count <n>]
                   print each change on one line, acknowledging as it prints, until Ctrl-C; without
                   --subscription it follows a subscription of its own, dropped when it stops
              feed list [--json]   every subscription of the store, with its lag
              feed drop <name>     drop a subscription and free what the store keeps for it

Options:
  --wiring <name>      demo, seed: which store serves which context: ${wiringNames.join(', ')} (default
                       hybrid: users, content, events and community on PostgreSQL, activity on DynamoDB)
  --scale <name>       seed: platform size, ${seedScales.join(', ')} (default small)
  --seed <n>           demo, seed: the generator's seed (same seed, same platform)
  --from <store>       migrate, verify, move: the store copied from, ${endpointKinds.join(' or ')}
  --to <store>         migrate, verify, move: the store copied to, the other one
  --only <sets>        migrate, verify, move: only these record sets, comma-separated (default all; migrate
                       copies them parents first; move moves their ports, each with all its record sets):
                       ${recordSetNames.slice(0, 5).join(', ')},
                       ${recordSetNames.slice(5).join(', ')}
  --batch <n>          migrate, move: records per write, 1–${MAX_BATCH_SIZE} (default 500)
  --checkpoint <path>  migrate: the file progress is saved to after every batch
                       (default ${defaultCheckpoint('<from>', '<to>')} under the current directory)
  --resume             migrate: continue from the checkpoint, skipping the record sets it finished. Without
                       --resume the copy starts over and the checkpoint is replaced (copying again is harmless:
                       every record is written as it is in the source)
  --no-count           migrate: do not count the source sets (progress then has no total or ETA); on DynamoDB
                       a count reads every item of the set a second time
  --json               verify: print the report as JSON on stdout; feed: JSON lines
  --subscription <n>   feed tail: the durable subscription to follow, created when missing (1–40 of a-z 0-9 _);
                       move: the one it follows on --from (1–35 characters, default move_<from>_<to>); the
                       replication back follows <n>_back on --to; the backfill checkpoint is
                       ${moveCheckpointPath('<from>', '<to>')} under the current directory
  --follow-seconds <n> move: stop following n seconds after the follow began (after the switch, with --cutover
                       or --rollback), verify and print the summary
  --cutover            move: switch the ports to --to once the lag is under the gate (see move above)
  --rollback           move: switch them back to --from once the replication back's lag is under the gate
  --lag-gate-ms <n>    move --cutover/--rollback: fence only once a probe marker written to the store of record
                       reaches the other store within n ms (default ${DEFAULT_LAG_GATE_MS}); probes for up to
                       ${GATE_WAIT_MS / 1000} s of following, then exits 1 with nothing fenced
  --pause-bound-ms <n> move --cutover/--rollback: abort the switch (fence lifted, phases unchanged, nothing lost)
                       once writes have been held n ms (default ${DEFAULT_PAUSE_BOUND_MS}; keep it under the instances'
                       fenceAbandonMs, 2500 by default)
  --control <store>    move: the store keeping the fleet's phases and leases, postgres or dynamo (default --from)
  --status             move: print the phases, leases, subscriptions and checkpoint, then exit
  --since <position>   feed tail: where a new subscription starts: now (default) or a position the feed printed
  --count <n>          feed tail: stop after n changes
  --verbose            Print the servers' own lines, and the stack of a failure
  -h, --help           Show this help
  -V, --version        Print the version, and whether the built code (dist/) or the sources (src/) run

Environment:
  DATABASE_URL        PostgreSQL to use instead of an embedded server (demo), to fill (seed), to migrate or move
                      from or to and compare (migrate, move, verify), or whose change feed to read (feed)
  DATABASE_SCHEMA     seed, migrate, move, verify, feed: the schema (default: the server's default)
  DYNAMODB_ENDPOINT   DynamoDB to use instead of DynamoDB Local (demo), to fill (seed), to migrate or move from
                      or to and compare (migrate, move, verify), or whose change feed to read (feed)
  DYNAMODB_TABLE      seed, migrate, move, verify, feed: the table (default cohort)

Exit status: 0 done, 1 failed, 2 bad usage or configuration.
  verify: 0 the stores hold the same records, 1 they differ, 2 verify could not compare them.
  move: 0 moved (and switched) and verified equal; 1 failed, verify found differences, the lag never got
        under the gate, or the switch was aborted or refused; 2 bad usage or configuration (also a
        --rollback while --from serves the ports, a --cutover while --to does); 130 after Ctrl-C.`;

/** `@cohort/cli 0.1.0 (sources: src/ through tsx)`: bin/cohort.js says in COHORT_CLI_RUNS which it started. */
function versionLine(): string {
  // src/cli.ts and dist/cli.js both sit one folder below the package's manifest.
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    name: string;
    version: string;
  };
  const runs = process.env['COHORT_CLI_RUNS'] === 'sources' ? 'sources: src/ through tsx' : 'built: dist/';
  return `${manifest.name} ${manifest.version} (${runs})`;
}

const commands = ['demo', 'seed', 'migrate', 'verify', 'move', 'feed', 'help'] as const;
type Command = (typeof commands)[number];

/** The options each command takes, besides --verbose and --help. */
const optionsOf = {
  demo: ['wiring', 'seed', 'move'],
  seed: ['wiring', 'scale', 'seed'],
  migrate: ['from', 'to', 'only', 'batch', 'resume', 'checkpoint', 'no-count'],
  verify: ['from', 'to', 'only', 'json'],
  move: [
    'from',
    'to',
    'only',
    'batch',
    'subscription',
    'follow-seconds',
    'status',
    'cutover',
    'rollback',
    'lag-gate-ms',
    'pause-bound-ms',
    'control',
  ],
  feed: ['from', 'subscription', 'since', 'json', 'count'],
  help: [],
} as const satisfies Record<Command, readonly string[]>;

type Parsed =
  | { readonly command: 'help' }
  | { readonly command: 'version' }
  | {
      readonly command: 'demo' | 'seed';
      readonly wiring: WiringName;
      readonly scale: (typeof seedScales)[number];
      readonly seed: number | undefined;
      /** demo: the online move under traffic instead of the scripted day. */
      readonly move: boolean;
      readonly verbose: boolean;
    }
  | {
      readonly command: 'migrate' | 'verify';
      readonly from: EndpointKind;
      readonly to: EndpointKind;
      readonly only: RecordSetName[] | undefined;
      readonly batch: number | undefined;
      readonly resume: boolean;
      readonly checkpoint: string | undefined;
      readonly countTotals: boolean;
      readonly json: boolean;
      readonly verbose: boolean;
    }
  | {
      readonly command: 'move';
      readonly from: EndpointKind;
      readonly to: EndpointKind;
      readonly only: RecordSetName[] | undefined;
      readonly batch: number | undefined;
      readonly subscription: string | undefined;
      readonly followSeconds: number | undefined;
      readonly action: MoveAction | 'status';
      readonly lagGateMs: number | undefined;
      readonly pauseBoundMs: number | undefined;
      readonly control: EndpointKind | undefined;
      readonly verbose: boolean;
    }
  | {
      readonly command: 'feed';
      readonly action: FeedAction;
      readonly from: EndpointKind;
      readonly subscription: string | undefined;
      readonly since: string | undefined;
      readonly json: boolean;
      readonly count: number | undefined;
      readonly verbose: boolean;
    };

function parse(argv: readonly string[]): Parsed {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        wiring: { type: 'string' },
        scale: { type: 'string' },
        seed: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        only: { type: 'string' },
        batch: { type: 'string' },
        resume: { type: 'boolean' },
        checkpoint: { type: 'string' },
        'no-count': { type: 'boolean' },
        json: { type: 'boolean' },
        subscription: { type: 'string' },
        since: { type: 'string' },
        count: { type: 'string' },
        'follow-seconds': { type: 'string' },
        status: { type: 'boolean' },
        cutover: { type: 'boolean' },
        rollback: { type: 'boolean' },
        'lag-gate-ms': { type: 'string' },
        'pause-bound-ms': { type: 'string' },
        control: { type: 'string' },
        move: { type: 'boolean' },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'V', default: false },
      },
    });
  } catch (error) {
    throw new CliError(`${firstLine(error)} (see cohort --help)`, 2);
  }
  const { values, positionals } = parsed;
  const [name = 'help', ...extra] = positionals;
  if (values.help) return { command: 'help' };
  if (values.version) return { command: 'version' };
  if (!(commands as readonly string[]).includes(name)) {
    throw new CliError(`unknown command ${name} (commands: ${commands.join(', ')}; see cohort --help)`, 2);
  }
  const command = name as Command;
  if (command === 'help') return { command };
  // `feed` takes its action (and `drop` a subscription's name) as words of their own.
  const words = command === 'feed' ? extra.splice(0, extra[0] === 'drop' ? 2 : 1) : [];
  if (extra.length > 0) throw new CliError(`unexpected argument ${extra[0]} (see cohort --help)`, 2);
  const allowed: readonly string[] = optionsOf[command];
  for (const [option, value] of Object.entries(values)) {
    if (value !== undefined && !['verbose', 'help', 'version'].includes(option) && !allowed.includes(option)) {
      throw new CliError(`cohort ${command} takes no --${option} (see cohort --help)`, 2);
    }
  }
  if (command === 'feed') {
    const [action, name] = words;
    if (action === undefined || !(feedActions as readonly string[]).includes(action)) {
      throw new CliError(`cohort feed needs one of ${feedActions.join(', ')} (see cohort --help)`, 2);
    }
    if (action === 'drop' && name === undefined) {
      throw new CliError("cohort feed drop needs the subscription's name: cohort feed drop <name> --from …", 2);
    }
    if (action !== 'tail' && (values.since !== undefined || values.count !== undefined)) {
      throw new CliError(`--since and --count go with cohort feed tail`, 2);
    }
    return {
      command,
      action: action as FeedAction,
      from: endpointOption('--from', values.from, 'feed'),
      subscription: name ?? values.subscription,
      since: values.since,
      json: values.json ?? false,
      count: countOption(values.count),
      verbose: values.verbose,
    };
  }
  if (command === 'move') {
    const from = endpointOption('--from', values.from, command);
    const to = endpointOption('--to', values.to, command);
    if (from === to) throw new CliError(`--from and --to must name different stores; both are ${from}`, 2);
    const subscription = values.subscription;
    // The replication back follows `<subscription>_back`, and a subscription's name holds at most 40 characters.
    if (subscription !== undefined && !/^[a-z0-9_]{1,35}$/.test(subscription)) {
      throw new CliError(
        `--subscription must be 1–35 of a-z 0-9 _ (the replication back adds _back); got ${subscription}`,
        2,
      );
    }
    const chosen = (['cutover', 'rollback', 'status'] as const).filter((flag) => values[flag] === true);
    if (chosen.length > 1) {
      throw new CliError(
        `choose one of --cutover, --rollback and --status; got ${chosen.map((flag) => `--${flag}`).join(' and ')}`,
        2,
      );
    }
    const action = chosen[0] ?? 'follow';
    if (action === 'status' && (values.batch ?? values['follow-seconds']) !== undefined) {
      throw new CliError('cohort move --status takes only --from, --to, --only, --control and --subscription', 2);
    }
    if (
      action !== 'cutover' &&
      action !== 'rollback' &&
      (values['lag-gate-ms'] ?? values['pause-bound-ms']) !== undefined
    ) {
      throw new CliError('--lag-gate-ms and --pause-bound-ms go with --cutover or --rollback', 2);
    }
    return {
      command,
      from,
      to,
      only: onlyOption(values.only),
      batch: batchOption(values.batch),
      subscription,
      followSeconds: wholeNumberOption('--follow-seconds', values['follow-seconds']),
      action,
      lagGateMs: wholeNumberOption('--lag-gate-ms', values['lag-gate-ms']),
      pauseBoundMs: wholeNumberOption('--pause-bound-ms', values['pause-bound-ms']),
      control: values.control === undefined ? undefined : endpointOption('--control', values.control, command),
      verbose: values.verbose,
    };
  }
  if (command === 'migrate' || command === 'verify') {
    const from = endpointOption('--from', values.from, command);
    const to = endpointOption('--to', values.to, command);
    if (from === to) throw new CliError(`--from and --to must name different stores; both are ${from}`, 2);
    return {
      command,
      from,
      to,
      only: onlyOption(values.only),
      batch: batchOption(values.batch),
      resume: values.resume ?? false,
      checkpoint: values.checkpoint,
      countTotals: values['no-count'] !== true,
      json: values.json ?? false,
      verbose: values.verbose,
    };
  }
  if (values.move && values.wiring !== undefined) {
    throw new CliError(
      'cohort demo --move takes no --wiring: it starts on PostgreSQL and moves activity to DynamoDB',
      2,
    );
  }
  const wiring = values.wiring ?? 'hybrid';
  if (!(wiringNames as readonly string[]).includes(wiring)) {
    throw new CliError(`--wiring must be one of ${wiringNames.join(', ')}; got ${wiring}`, 2);
  }
  const scale = values.scale ?? 'small';
  if (!(seedScales as readonly string[]).includes(scale)) {
    throw new CliError(`--scale must be one of ${seedScales.join(', ')}; got ${scale}`, 2);
  }
  let seed: number | undefined;
  if (values.seed !== undefined) {
    seed = Number(values.seed);
    if (!/^\d+$/.test(values.seed) || !Number.isSafeInteger(seed)) {
      throw new CliError(`--seed must be a whole number; got ${values.seed}`, 2);
    }
  }
  return {
    command,
    wiring: wiring as WiringName,
    scale: scale as (typeof seedScales)[number],
    seed,
    move: values.move ?? false,
    verbose: values.verbose,
  };
}

function endpointOption(flag: string, value: string | undefined, command: string): EndpointKind {
  if (value === undefined) {
    throw new CliError(`cohort ${command} needs ${flag} ${endpointKinds.join('|')} (see cohort --help)`, 2);
  }
  if (!(endpointKinds as readonly string[]).includes(value)) {
    throw new CliError(`${flag} must be one of ${endpointKinds.join(', ')}; got ${value}`, 2);
  }
  return value as EndpointKind;
}

function onlyOption(value: string | undefined): RecordSetName[] | undefined {
  if (value === undefined) return undefined;
  const names = [...new Set(value.split(',').map((name) => name.trim()))].filter((name) => name !== '');
  const unknown = names.filter((name) => !(recordSetNames as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new CliError(
      `--only: unknown record set${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} ` +
        `(record sets: ${recordSetNames.join(', ')})`,
      2,
    );
  }
  if (names.length === 0) throw new CliError(`--only needs record sets, e.g. --only users,posts`, 2);
  return names as RecordSetName[];
}

function countOption(value: string | undefined): number | undefined {
  return wholeNumberOption('--count', value);
}

function wholeNumberOption(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const count = Number(value);
  if (!/^\d+$/.test(value) || count < 1 || !Number.isSafeInteger(count)) {
    throw new CliError(`${flag} must be a whole number of at least 1; got ${value}`, 2);
  }
  return count;
}

function batchOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const batch = Number(value);
  if (!/^\d+$/.test(value) || batch < 1 || batch > MAX_BATCH_SIZE) {
    throw new CliError(`--batch must be a whole number from 1 to ${MAX_BATCH_SIZE}; got ${value}`, 2);
  }
  return batch;
}

/** The message for a failure: one line, unless --verbose asks for the stack and the causes. */
export function describeError(error: unknown, verbose: boolean): string {
  if (verbose) {
    const parts: string[] = [];
    let current: unknown = error;
    for (let depth = 0; current !== undefined && depth < 5; depth += 1) {
      const text =
        current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : JSON.stringify(current);
      parts.push(depth === 0 ? text : `caused by: ${text}`);
      current = current instanceof Error ? current.cause : undefined;
    }
    return parts.join('\n');
  }
  if (error instanceof CliError) return error.message;
  if (CohortError.is(error)) return `${error.code}: ${firstLine(error)}`;
  return firstLine(error) || String(error);
}

/** Runs the `cohort` command with `argv` (without node and the script) and returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  // The hidden command a service process of `cohort demo --move` runs (not in --help: nobody types it).
  if (argv[0] === DEMO_SERVICE_COMMAND) {
    try {
      return await runDemoService();
    } catch (error) {
      process.stderr.write(`cohort ${DEMO_SERVICE_COMMAND}: ${describeError(error, true)}\n`);
      return error instanceof CliError ? error.exitCode : 1;
    }
  }
  const verbose = argv.includes('--verbose');
  const progress = new Progress();
  // verify's exit code 1 means "the stores differ", so a verify that could not compare ends with 2.
  let failureCode = 1;
  try {
    const args = parse(argv);
    if (args.command === 'verify') failureCode = 2;
    switch (args.command) {
      case 'help':
        process.stdout.write(`${usage}\n`);
        return 0;
      case 'version':
        process.stdout.write(`${versionLine()}\n`);
        return 0;
      case 'demo':
        if (args.move) {
          const { exitCode } = await runMoveDemo({
            ...(args.seed === undefined ? {} : { seed: args.seed }),
            progress,
            verbose: args.verbose,
          });
          return exitCode;
        }
        await runDemo({ wiring: args.wiring, seed: args.seed, progress, verbose: args.verbose });
        return 0;
      case 'seed':
        await runSeed({ wiring: args.wiring, scale: args.scale, seed: args.seed, progress, verbose: args.verbose });
        return 0;
      case 'migrate':
        await runMigrate({
          from: args.from,
          to: args.to,
          ...(args.only ? { only: args.only } : {}),
          ...(args.batch !== undefined ? { batchSize: args.batch } : {}),
          resume: args.resume,
          ...(args.checkpoint !== undefined ? { checkpoint: args.checkpoint } : {}),
          countTotals: args.countTotals,
          progress,
          verbose: args.verbose,
        });
        return 0;
      case 'verify': {
        const { exitCode } = await runVerify({
          from: args.from,
          to: args.to,
          ...(args.only ? { only: args.only } : {}),
          json: args.json,
          progress,
          verbose: args.verbose,
        });
        return exitCode;
      }
      case 'move': {
        const common = {
          from: args.from,
          to: args.to,
          ...(args.only ? { only: args.only } : {}),
          ...(args.subscription === undefined ? {} : { subscription: args.subscription }),
          ...(args.control === undefined ? {} : { control: args.control }),
          progress,
          verbose: args.verbose,
        };
        if (args.action === 'status') {
          await runMoveStatus(common);
          return 0;
        }
        const { exitCode } = await runMove({
          ...common,
          action: args.action,
          ...(args.batch !== undefined ? { batchSize: args.batch } : {}),
          ...(args.followSeconds === undefined ? {} : { followSeconds: args.followSeconds }),
          ...(args.lagGateMs === undefined ? {} : { lagGateMs: args.lagGateMs }),
          ...(args.pauseBoundMs === undefined ? {} : { pauseBoundMs: args.pauseBoundMs }),
        });
        return exitCode;
      }
      case 'feed':
        await runFeed({
          action: args.action,
          from: args.from,
          ...(args.subscription === undefined ? {} : { subscription: args.subscription }),
          ...(args.since === undefined ? {} : { since: args.since }),
          ...(args.count === undefined ? {} : { count: args.count }),
          json: args.json,
          progress,
          verbose: args.verbose,
        });
        return 0;
    }
  } catch (error) {
    progress.clear();
    process.stderr.write(`cohort: ${describeError(error, verbose)}\n`);
    return Math.max(error instanceof CliError ? error.exitCode : 1, failureCode);
  }
}
