import { afterAll, beforeAll, describe, it } from 'vitest';
import { crashDuringWrites } from './support/crash-scenarios.js';
import { KillablePostgres } from './support/killable-servers.js';
import { openPostgresStore, type OpenedPostgresStore } from './support/stores.js';

// A PostgreSQL of this file's own (never the run's shared server), killed with SIGKILL mid-write and restarted on the
// same port and data directory. The store and its pool live through the crash, as in a service whose database
// restarted under it.
describe('PostgreSQL killed mid-write', () => {
  let server: KillablePostgres | undefined;
  let opened: OpenedPostgresStore | undefined;

  beforeAll(async () => {
    server = await KillablePostgres.start();
    // A short connect timeout: while the server is down, callers hear UNAVAILABLE quickly.
    opened = await openPostgresStore({ serverUrl: server.url, connectTimeoutMs: 3_000 });
  });

  afterAll(async () => {
    await opened?.close().catch(() => undefined);
    await server?.stop();
  });

  it('a putMany and a register burst cut off by the crash: UNAVAILABLE, then each whole or absent', async () => {
    const killable = server;
    if (!killable || !opened) throw new Error('the server did not start');
    const report = await crashDuringWrites(
      { store: opened.store, kill: () => killable.kill(), restart: () => killable.restart() },
      { durableAcknowledgements: true, batchSize: 1_000, atomicBatch: true, registrants: 40, capacity: 5 },
    );
    console.log(`postgres crash: ${JSON.stringify(report)}`);
  });
});
