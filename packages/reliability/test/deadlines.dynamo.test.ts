import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoClient, createDynamoStore, ensureTable } from '@cohort/adapters-dynamo';
import { describeDeadlines, TIMEOUT_MS } from './support/deadline-scenarios.js';
import { KillableDynamo } from './support/killable-servers.js';
import { uniqueName } from './support/stores.js';

const credentials = { accessKeyId: 'cohort', secretAccessKey: 'cohort' };

// DynamoDB Local of the file's own behind a proxy. Two stores on one table: one on a client from createDynamoClient
// (request and connection timeouts), one on a client with the SDK's defaults (no timeout at all), which only the
// store's own deadline (abortSignal, and giving up on the call) can end.
describeDeadlines('DynamoDB deadlines', {
  start: () => KillableDynamo.start(),
  address: (server) => ({ host: '127.0.0.1', port: Number(new URL(server.endpoint).port) }),
  open: async (server, proxied) => {
    const endpoint = `http://${proxied.host}:${proxied.port}`;
    const tableName = uniqueName('deadlines').replace(/_/g, '-');
    const admin = new DynamoDBClient({ endpoint: server.endpoint, region: 'local', credentials });
    await ensureTable(DynamoDBDocumentClient.from(admin), { tableName });
    admin.destroy();
    const timed = createDynamoClient({ endpoint, region: 'local', credentials, timeoutMs: TIMEOUT_MS });
    const defaults = new DynamoDBClient({ endpoint, region: 'local', credentials });
    const store = (low: DynamoDBClient) =>
      createDynamoStore({ client: DynamoDBDocumentClient.from(low), tableName, timeoutMs: TIMEOUT_MS });
    return {
      targets: [
        { label: 'createDynamoClient', store: store(timed) },
        { label: 'SDK defaults', store: store(defaults) },
      ],
      close: () => {
        timed.destroy();
        defaults.destroy();
        return Promise.resolve();
      },
    };
  },
});
