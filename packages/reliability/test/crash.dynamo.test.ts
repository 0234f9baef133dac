import { describeCrash } from './support/crash-scenarios.js';
import { KillableDynamo } from './support/killable-servers.js';
import { openDynamoStore } from './support/stores.js';

// DynamoDB Local on disk, killed with SIGKILL mid-write and restarted on the same port and directory; the store and
// its client live through the crash. Small numbers: DynamoDB Local on disk is slow, and while it is down each queued
// registration of one event waits for the retries of those before it (the adapter lets two seat writes per event run
// at once).
describeCrash(
  'DynamoDB Local killed mid-write',
  { start: () => KillableDynamo.start(), open: (server) => openDynamoStore({ endpoint: server.endpoint }) },
  { durableAcknowledgements: false, batchSize: 10, atomicBatch: false, registrants: 5, capacity: 2 },
);
