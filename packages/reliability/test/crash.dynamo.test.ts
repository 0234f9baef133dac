import { afterAll, beforeAll, describe, it } from 'vitest';
import { crashDuringWrites } from './support/crash-scenarios.js';
import { KillableDynamo } from './support/killable-servers.js';
import { openDynamoStore, type OpenedDynamoStore } from './support/stores.js';

// A DynamoDB Local of this file's own (never the run's shared one), on disk, killed with SIGKILL mid-write and
// restarted on the same port and directory. The store and its client live through the crash.
describe('DynamoDB Local killed mid-write', () => {
  let server: KillableDynamo | undefined;
  let opened: OpenedDynamoStore | undefined;

  beforeAll(async () => {
    server = await KillableDynamo.start();
    opened = await openDynamoStore({ endpoint: server.endpoint });
  });

  afterAll(async () => {
    await opened?.close().catch(() => undefined);
    await server?.stop();
  });

  it('a putMany and a register burst cut off by the crash: UNAVAILABLE, then each whole or absent', async () => {
    const killable = server;
    if (!killable || !opened) throw new Error('the server did not start');
    // Small numbers: DynamoDB Local on disk is slow, and while it is down each queued registration of one event
    // waits for the retries of those before it (the adapter lets two seat writes per event run at once).
    const report = await crashDuringWrites(
      { store: opened.store, kill: () => killable.kill(), restart: () => killable.restart() },
      { durableAcknowledgements: false, batchSize: 10, atomicBatch: false, registrants: 5, capacity: 2 },
    );
    console.log(`dynamo crash: ${JSON.stringify(report)}`);
  });
});
