import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoClient } from '@cohort/adapters-dynamo';
import { inject } from 'vitest';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The run's shared DynamoDB endpoint (from the global setup); never a remote one unless DYNAMODB_ENDPOINT says so. */
export function testEndpoint(): string {
  const endpoint = inject('dynamoEndpoint');
  if (!LOOPBACK.has(new URL(endpoint).hostname) && !process.env['DYNAMODB_ENDPOINT']) {
    throw new Error(`refusing to test against ${endpoint}`);
  }
  return endpoint;
}

/** A failure no retry or translation hides: the test that triggered it fails with this message. */
export const accessPatternViolations: string[] = [];

/**
 * Rejects (and records) any Scan and any request with a FilterExpression: the access patterns promise neither
 * (the migration face may Scan, but this adapter does not).
 */
function guardAccessPatterns(low: DynamoDBClient): void {
  low.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { FilterExpression?: unknown };
      const command = context.commandName ?? '';
      if (/^Scan/.test(command) || input.FilterExpression !== undefined) {
        const violation = `${command} ${JSON.stringify(args.input)}`;
        accessPatternViolations.push(violation);
        throw new Error(`access pattern violation: ${violation}`);
      }
      return next(args);
    },
    { step: 'initialize', name: 'cohortAccessPatternGuard' },
  );
}

/** A new low-level client and its document client on the shared server (or `endpoint`), with dummy credentials. */
export function testClients(options: { guard?: boolean; endpoint?: string } = {}): {
  low: DynamoDBClient;
  client: DynamoDBDocumentClient;
} {
  // As a service would build it: request and connection timeouts within the store's deadline.
  const low = createDynamoClient({
    endpoint: options.endpoint ?? testEndpoint(),
    region: 'local',
    credentials: { accessKeyId: 'cohort', secretAccessKey: 'cohort' },
  });
  if (options.guard) guardAccessPatterns(low);
  return { low, client: DynamoDBDocumentClient.from(low) };
}

/** A table name no other test uses. */
export function randomTableName(prefix = 'cohort'): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

export async function deleteTable(low: DynamoDBClient, tableName: string): Promise<void> {
  await low.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
}
