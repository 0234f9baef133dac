// The packages as people outside this repository get them: every package packed (its prepack builds it), the
// tarballs installed into a project in the OS temp dir, and then what a service team and an adapter author do first.
// Nothing here resolves through the workspace: the consumer has its own node_modules, filled from the tarballs and
// the npm registry.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = join(import.meta.dirname, '..', '..');
const fixture = join(import.meta.dirname, '..', 'consumer');

interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly bin?: Record<string, string>;
  readonly exports?: Record<string, Record<string, string>>;
  readonly devDependencies?: Record<string, string>;
}

interface Packed {
  readonly manifest: Manifest;
  readonly tarball: string;
  readonly files: readonly string[];
}

/** The publishable workspace packages (not private), read from their manifests. */
async function publishable(): Promise<Manifest[]> {
  const manifests = await Promise.all(
    (await readdir(join(repo, 'packages'))).map(async (name) => {
      const text = await readFile(join(repo, 'packages', name, 'package.json'), 'utf8').catch(() => null);
      return text === null ? null : (JSON.parse(text) as Manifest);
    }),
  );
  return manifests.filter((manifest): manifest is Manifest => manifest !== null && manifest.private !== true);
}

/** Every file a manifest names: each export condition's target, and each bin. */
function namedFiles(manifest: Manifest): string[] {
  const targets = Object.values(manifest.exports ?? {}).flatMap((conditions) => Object.values(conditions));
  return [...targets, ...Object.values(manifest.bin ?? {})].map((path) => path.replace(/^\.\//, ''));
}

/** Runs a command in the consumer project; a failure shows its output. */
function inConsumer(command: string, args: readonly string[], timeout = 300_000) {
  return inDirectory(consumer, command, args, timeout);
}

async function inDirectory(cwd: string, command: string, args: readonly string[], timeout = 600_000) {
  try {
    return await run(command, [...args], { cwd, timeout, maxBuffer: 64 * 1024 * 1024, env: cleanEnv() });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout}\n${stderr}`, { cause: error });
  }
}

/** The environment without what vitest or npm put there for the repository. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith('VITEST') || name.startsWith('npm_') || name === 'NODE_OPTIONS') delete env[name];
  }
  for (const name of ['DATABASE_URL', 'DYNAMODB_ENDPOINT']) delete env[name];
  return env;
}

let consumer: string;
let packed: Packed[];
const rootManifest = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as Manifest;
const pinned = (name: string): string => {
  const version = rootManifest.devDependencies?.[name];
  if (!version) throw new Error(`the root package.json pins no ${name}`);
  return `${name}@${version}`;
};

beforeAll(async () => {
  consumer = await mkdtemp(join(tmpdir(), 'cohort-consumer-'));
  const tarballs = join(consumer, 'tarballs');
  const packages = await publishable();
  await mkdir(tarballs);
  const { stdout } = await inDirectory(repo, 'npm', [
    'pack',
    '--json',
    '--pack-destination',
    tarballs,
    ...packages.flatMap((p) => ['--workspace', p.name]),
  ]);
  // prepack's build output comes before the JSON on stdout.
  const report = JSON.parse(stdout.slice(stdout.indexOf('\n[') + 1)) as {
    name: string;
    filename: string;
    files: { path: string }[];
  }[];
  packed = report.map((entry) => ({
    manifest: packages.find((p) => p.name === entry.name) as Manifest,
    tarball: join(tarballs, entry.filename),
    files: entry.files.map((file) => file.path),
  }));
  const dependencies = Object.fromEntries(packed.map((p) => [p.manifest.name, `file:${p.tarball}`]));
  await writeFile(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'outside-consumer', private: true, type: 'module', dependencies }, null, 2),
  );
  // Production install first: the test framework must not come in with any package.
  await inConsumer('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], 600_000);
}, 900_000);

afterAll(async () => {
  if (consumer) await rm(consumer, { recursive: true, force: true });
});

describe('the packed packages, installed outside the repository', () => {
  it('packs every publishable package, each with every file its manifest names', async () => {
    expect(packed.map((p) => p.manifest.name).sort()).toEqual((await publishable()).map((p) => p.name).sort());
    for (const { manifest, files } of packed) {
      const missing = namedFiles(manifest).filter((path) => !files.includes(path));
      expect(missing, `${manifest.name} names files its tarball lacks`).toEqual([]);
      expect(files.some((path) => path.endsWith('.js.map'))).toBe(true);
    }
  });

  it('resolves every source map to a shipped source', async () => {
    for (const { manifest, files } of packed) {
      for (const map of files.filter((path) => path.endsWith('.js.map'))) {
        const text = await readFile(join(consumer, 'node_modules', manifest.name, map), 'utf8');
        const { sources } = JSON.parse(text) as { sources: string[] };
        const base = map.split('/').slice(0, -1);
        for (const source of sources) {
          const resolved = join(...base, source);
          expect(files, `${manifest.name}/${map} points at ${source}`).toContain(resolved);
        }
      }
    }
  });

  it('installs no test framework with the production packages, and no container client', async () => {
    const installed = await readdir(join(consumer, 'node_modules'));
    expect(installed).not.toContain('vitest');
    expect(installed).not.toContain('testcontainers');
  });

  it('imports every production entry point with plain node while vitest is absent', async () => {
    const entries = packed.flatMap(({ manifest }) =>
      Object.keys(manifest.exports ?? {})
        .map((subpath) => `${manifest.name}${subpath === '.' ? '' : subpath.slice(1)}`)
        .filter((entry) => entry !== '@cohort/testkit'),
    );
    expect(entries).toContain('@cohort/testkit/generator');
    expect(entries).toContain('@cohort/core/adapter');
    expect(entries).toContain('@cohort/cli');
    const script = entries.map((entry) => `await import(${JSON.stringify(entry)});`).join('\n');
    const { stdout } = await inConsumer('node', ['--input-type=module', '-e', `${script}\nconsole.log('imported');`]);
    expect(stdout.trim()).toBe('imported');
  });

  it('tells a missing test framework apart: the contract suite entry needs vitest', async () => {
    await expect(inConsumer('node', ['--input-type=module', '-e', "await import('@cohort/testkit');"])).rejects.toThrow(
      /Cannot find (package|module) 'vitest'/,
    );
  });

  it('runs the installed cohort command from its build: --version, --help and the memory demo', async () => {
    const version = await inConsumer('npx', ['--no-install', 'cohort', '--version']);
    expect(version.stdout).toMatch(/^@cohort\/cli \d+\.\d+\.\d+ \(built: dist\/\)$/m);
    const help = await inConsumer('npx', ['--no-install', 'cohort', '--help']);
    expect(help.stdout).toContain('Usage: cohort <command> [options]');
    const demo = await inConsumer('npx', ['--no-install', 'cohort', 'demo', '--wiring', 'memory']);
    expect(demo.stdout).toContain('first on the waitlist, gets the seat');
    expect(demo.stdout).toMatch(/Done in \d+\.\d s\./);
  });

  describe('with the dev tools an adapter author adds', () => {
    beforeAll(async () => {
      await cp(fixture, consumer, { recursive: true });
      await inConsumer(
        'npm',
        [
          'install',
          '--no-audit',
          '--no-fund',
          '--loglevel=error',
          '--save-dev',
          pinned('vitest'),
          pinned('typescript'),
          pinned('@types/node'),
        ],
        600_000,
      );
    }, 900_000);

    it('typechecks a strict NodeNext consumer against the published types (skipLibCheck off)', async () => {
      await inConsumer('npx', ['--no-install', 'tsc', '-p', 'tsconfig.json']);
    });

    it('runs the contract suite against an outside adapter that wraps the memory adapter', async () => {
      const { stdout } = await inConsumer('npx', ['--no-install', 'vitest', 'run', '--reporter=json'], 600_000);
      const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as {
        success: boolean;
        numPassedTests: number;
        numFailedTests: number;
      };
      expect(report.numFailedTests).toBe(0);
      expect(report.numPassedTests).toBeGreaterThan(1_000);
      expect(report.success).toBe(true);
    });
  });
});
