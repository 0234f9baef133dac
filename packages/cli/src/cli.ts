import { parseArgs } from 'node:util';
import { CohortError } from '@cohort/core';
import { CliError, firstLine } from './cli-error.js';
import { runDemo } from './commands/demo.js';
import { runSeed, seedScales } from './commands/seed.js';
import { Progress } from './progress.js';
import { wiringNames, type WiringName } from './stores/wirings.js';

const usage = `Usage: cohort <command> [options]

Commands:
  demo     Start embedded stores, seed a small platform, run a scripted day through the services and print it
  seed     Fill the configured stores with a generated platform

Options:
  --wiring <name>   Which store serves which context: ${wiringNames.join(', ')} (default hybrid:
                    users, content, events and community on PostgreSQL, activity on DynamoDB)
  --scale <name>    seed: platform size, ${seedScales.join(', ')} (default small)
  --seed <n>        The generator's seed (same seed, same platform)
  --verbose         Print the servers' own lines, and the stack of a failure
  -h, --help        Show this help

Environment:
  DATABASE_URL        PostgreSQL to use instead of an embedded server (demo) or to fill (seed)
  DATABASE_SCHEMA     seed: the schema to fill (default: the server's default)
  DYNAMODB_ENDPOINT   DynamoDB to use instead of DynamoDB Local (demo) or to fill (seed)
  DYNAMODB_TABLE      seed: the table to fill (default cohort)`;

const commands = ['demo', 'seed', 'help'] as const;
type Command = (typeof commands)[number];

interface Parsed {
  readonly command: Command;
  readonly wiring: WiringName;
  readonly scale: (typeof seedScales)[number];
  readonly seed: number | undefined;
  readonly verbose: boolean;
}

function parse(argv: readonly string[]): Parsed {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        wiring: { type: 'string', default: 'hybrid' },
        scale: { type: 'string', default: 'small' },
        seed: { type: 'string' },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new CliError(`${firstLine(error)} (see cohort --help)`, 2);
  }
  const { values, positionals } = parsed;
  const [name = 'help', ...extra] = positionals;
  const command = values.help ? 'help' : name;
  if (!(commands as readonly string[]).includes(command)) {
    throw new CliError(`unknown command ${command} (commands: demo, seed; see cohort --help)`, 2);
  }
  if (extra.length > 0) throw new CliError(`unexpected argument ${extra[0]} (see cohort --help)`, 2);
  const wiring = values.wiring;
  if (!(wiringNames as readonly string[]).includes(wiring)) {
    throw new CliError(`--wiring must be one of ${wiringNames.join(', ')}; got ${wiring}`, 2);
  }
  const scale = values.scale;
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
    command: command as Command,
    wiring: wiring as WiringName,
    scale: scale as Parsed['scale'],
    seed,
    verbose: values.verbose,
  };
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
  const verbose = argv.includes('--verbose');
  const progress = new Progress();
  try {
    const args = parse(argv);
    switch (args.command) {
      case 'help':
        process.stdout.write(`${usage}\n`);
        return 0;
      case 'demo':
        await runDemo({ wiring: args.wiring, seed: args.seed, progress, verbose: args.verbose });
        return 0;
      case 'seed':
        await runSeed({ wiring: args.wiring, scale: args.scale, seed: args.seed, progress, verbose: args.verbose });
        return 0;
    }
  } catch (error) {
    progress.clear();
    process.stderr.write(`cohort: ${describeError(error, verbose)}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}
