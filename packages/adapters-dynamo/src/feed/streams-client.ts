import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * A DynamoDB Streams client speaking to the same endpoint, region and credentials as the table's client, through the
 * same HTTP handler (so its timeouts and connections are the table client's, and destroying that client ends it).
 */
export function streamsClientFor(client: DynamoDBDocumentClient): DynamoDBStreamsClient {
  const { config } = client;
  return new DynamoDBStreamsClient({
    region: config.region,
    credentials: config.credentials,
    requestHandler: config.requestHandler,
    maxAttempts: config.maxAttempts,
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
  });
}
