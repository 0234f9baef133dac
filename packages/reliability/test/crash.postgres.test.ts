import { describeCrash } from './support/crash-scenarios.js';
import { KillablePostgres } from './support/killable-servers.js';
import { openPostgresStore } from './support/stores.js';

// PostgreSQL killed with SIGKILL mid-write and restarted on the same port and data directory; the store and its pool
// live through the crash, as in a service whose database restarted under it. A short connect timeout: while the
// server is down, callers hear UNAVAILABLE quickly.
describeCrash(
  'PostgreSQL killed mid-write',
  {
    start: () => KillablePostgres.start(),
    open: (server) => openPostgresStore({ serverUrl: server.url, connectTimeoutMs: 3_000 }),
  },
  { durableAcknowledgements: true, batchSize: 1_000, atomicBatch: true, registrants: 40, capacity: 5 },
);
