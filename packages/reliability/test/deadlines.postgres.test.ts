import { createPostgresDataSource, createPostgresStore, runPostgresMigrations } from '@cohort/adapters-postgres';
import { describeDeadlines, TIMEOUT_MS } from './support/deadline-scenarios.js';
import { KillablePostgres } from './support/killable-servers.js';
import { createDatabase, uniqueName } from './support/stores.js';

// PostgreSQL of the file's own behind a proxy; the store's pool lives through the outages. Four pooled connections,
// all open before the outage, so reads in flight sit on connections that were working a moment before.
describeDeadlines('PostgreSQL deadlines', {
  start: () => KillablePostgres.start(),
  address: (server) => ({ host: '127.0.0.1', port: Number(new URL(server.url).port) }),
  open: async (server, proxied) => {
    const direct = await createDatabase(server.url, uniqueName('deadlines'));
    const url = new URL(direct);
    url.port = String(proxied.port);
    const dataSource = createPostgresDataSource({ url: url.toString(), poolSize: 4, timeoutMs: TIMEOUT_MS });
    await runPostgresMigrations(dataSource);
    return {
      targets: [{ label: 'pg pool', store: createPostgresStore({ dataSource }) }],
      close: async () => {
        if (dataSource.isInitialized) await dataSource.destroy();
      },
    };
  },
});
