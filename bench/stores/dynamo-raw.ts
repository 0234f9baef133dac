import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

// The DynamoDB adapter's storage layout, written out by hand for the raw side of the benchmark (the adapter keeps its
// keys modules private). If the adapter's layout changes, every operation's verify step fails loudly.

/** Epoch ms as a fixed-width sortable string (the adapter's `timeKey`). */
export function timeKey(ms: number): string {
  return String(ms + 8_640_000_000_000_000).padStart(17, '0');
}

/** A position as a fixed-width sortable string (the adapter's `numberKey`). */
export function numberKey(value: number): string {
  return String(value).padStart(16, '0');
}

/** Full jitter over a capped exponential: the adapter's backoff, so both sides wait alike under contention. */
export function backoffDelay(attempt: number, baseMs: number, capMs: number): number {
  return Math.floor(Math.random() * Math.min(capMs, baseMs * 2 ** attempt));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The reason codes of a cancelled transaction, or null when the error is something else. */
export function cancellationReasons(error: unknown): string[] | null {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return null;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.map((reason) => reason.Code ?? 'None');
}

/** One Query of an index partition for a page: `limit + 1` items, as the adapter asks, newest or oldest first. */
export async function queryIndexPage(
  client: DynamoDBDocumentClient,
  options: {
    readonly tableName: string;
    readonly index: 'gsi1' | 'gsi2';
    readonly partition: string;
    readonly newestFirst: boolean;
    readonly limit: number;
    readonly startKey?: Record<string, string>;
  },
): Promise<Record<string, unknown>[]> {
  const output = await client.send(
    new QueryCommand({
      TableName: options.tableName,
      IndexName: options.index,
      KeyConditionExpression: '#p = :p',
      ExpressionAttributeNames: { '#p': `${options.index}pk` },
      ExpressionAttributeValues: { ':p': options.partition },
      ScanIndexForward: !options.newestFirst,
      ExclusiveStartKey: options.startKey,
      Limit: options.limit,
    }),
  );
  return output.Items ?? [];
}
