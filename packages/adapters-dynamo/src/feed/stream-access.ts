import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import { CohortError } from '@cohort/core';
import { call, type DynamoContext } from '../shared/dynamo-context.js';

/** One shard of the stream as DescribeStream lists it. */
export interface ShardInfo {
  readonly id: string;
  readonly parent: string | undefined;
}

/** The table's stream. */
export interface StreamInfo {
  readonly arn: string;
  readonly label: string;
}

/** What GetRecords answered: the records, and the iterator to go on with (undefined: the closed shard is read). */
export interface RecordBatch {
  readonly records: readonly _Record[];
  readonly next: string | undefined;
  /** The read was throttled: no records this time, which says nothing about how much the shard holds. */
  readonly throttled?: boolean;
}

/** The name of the driver error behind `error` (call() wraps what it cannot retry into a CohortError). */
export function driverErrorName(error: unknown): string {
  const inner = CohortError.is(error) && error.cause !== undefined ? error.cause : error;
  return inner instanceof Error ? inner.name : '';
}

/** How long the stream's ARN and shard list are reused before DescribeTable / DescribeStream are asked again. */
const DESCRIBE_TTL_MS = 1_000;

/**
 * The DynamoDB Streams calls of one table's feed, each through the adapter's call path (retries, the port call's
 * deadline, CohortErrors). DescribeStream answers are reused for a second (AWS allows ~10 a second per stream).
 */
export class StreamAccess {
  private stream: { info: StreamInfo; at: number } | null = null;
  private shardList: { arn: string; shards: readonly ShardInfo[]; at: number } | null = null;

  constructor(
    private readonly context: DynamoContext,
    private readonly streams: DynamoDBStreamsClient,
  ) {}

  /** The table's current stream; UNAVAILABLE when the table has none (ensureTable enables it). */
  async current(fresh = false): Promise<StreamInfo> {
    if (!fresh && this.stream && Date.now() - this.stream.at < DESCRIBE_TTL_MS) return this.stream.info;
    const { tableName } = this.context;
    const output = await call(this.context, 'changeFeed.describeTable', (abortSignal) =>
      this.context.client.send(new DescribeTableCommand({ TableName: tableName }), { abortSignal }),
    );
    const table = output.Table;
    if (!table?.LatestStreamArn || !table.LatestStreamLabel || table.StreamSpecification?.StreamEnabled !== true) {
      throw CohortError.unavailable(
        `Table ${tableName} has no stream: the change feed needs NEW_AND_OLD_IMAGES (run ensureTable, or see tableDefinition)`,
      );
    }
    const info = { arn: table.LatestStreamArn, label: table.LatestStreamLabel };
    this.stream = { info, at: Date.now() };
    return info;
  }

  /** Every shard of the stream (DescribeStream paged through), parents listed before their children. */
  async shards(arn: string, fresh = false): Promise<readonly ShardInfo[]> {
    if (!fresh && this.shardList?.arn === arn && Date.now() - this.shardList.at < DESCRIBE_TTL_MS) {
      return this.shardList.shards;
    }
    const shards: ShardInfo[] = [];
    let start: string | undefined;
    do {
      const output = await call(this.context, 'changeFeed.describeStream', (abortSignal) =>
        this.streams.send(new DescribeStreamCommand({ StreamArn: arn, ExclusiveStartShardId: start }), {
          abortSignal,
        }),
      );
      for (const shard of output.StreamDescription?.Shards ?? []) {
        if (shard.ShardId) shards.push({ id: shard.ShardId, parent: shard.ParentShardId });
      }
      start = output.StreamDescription?.LastEvaluatedShardId;
    } while (start !== undefined);
    const ordered = parentsFirst(shards);
    this.shardList = { arn, shards: ordered, at: Date.now() };
    return ordered;
  }

  /** An iterator just after `seq` in the shard (at its trim horizon for null); POSITION_LOST when that is trimmed. */
  async iterator(arn: string, shardId: string, seq: string | null): Promise<string> {
    try {
      const output = await call(this.context, 'changeFeed.getShardIterator', (abortSignal) =>
        this.streams.send(
          new GetShardIteratorCommand({
            StreamArn: arn,
            ShardId: shardId,
            ...(seq === null
              ? { ShardIteratorType: 'TRIM_HORIZON' }
              : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: seq }),
          }),
          { abortSignal },
        ),
      );
      if (!output.ShardIterator) throw CohortError.positionLost(`DynamoDB Streams gave no iterator for ${shardId}`);
      return output.ShardIterator;
    } catch (error) {
      throw lostOr(error, shardId);
    }
  }

  /**
   * Up to `limit` records from `iterator`; ExpiredIteratorException is rethrown as it is, for the caller to renew; a
   * throttled read (LimitExceededException) answers no records and the same iterator.
   */
  async records(iterator: string, shardId: string, limit: number): Promise<RecordBatch> {
    try {
      const output = await call(this.context, 'changeFeed.getRecords', (abortSignal) =>
        this.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }), {
          abortSignal,
        }),
      );
      return { records: output.Records ?? [], next: output.NextShardIterator };
    } catch (error) {
      const name = driverErrorName(error);
      if (name === 'ExpiredIteratorException') throw error;
      // Too many reads of the shard: nothing from it this time; the same iterator is good for the next look.
      if (name === 'LimitExceededException') return { records: [], next: iterator, throttled: true };
      throw lostOr(error, shardId);
    }
  }
}

/** POSITION_LOST for a trimmed read or a shard the stream no longer has; the error translated otherwise. */
function lostOr(error: unknown, shardId: string): unknown {
  const name = driverErrorName(error);
  if (name === 'TrimmedDataAccessException') {
    return CohortError.positionLost(
      `The stream no longer holds the changes after this position in ${shardId} (past its 24-hour retention)`,
      error,
    );
  }
  if (name === 'ResourceNotFoundException') {
    return CohortError.positionLost(
      `The stream no longer has shard ${shardId} (trimmed, or the stream was replaced)`,
      error,
    );
  }
  return error;
}

/** Shards ordered so that every parent the list holds comes before its children. */
function parentsFirst(shards: readonly ShardInfo[]): ShardInfo[] {
  const byId = new Map(shards.map((shard) => [shard.id, shard]));
  const ordered: ShardInfo[] = [];
  const placed = new Set<string>();
  const place = (shard: ShardInfo): void => {
    if (placed.has(shard.id)) return;
    placed.add(shard.id);
    const parent = shard.parent === undefined ? undefined : byId.get(shard.parent);
    if (parent) place(parent);
    ordered.push(shard);
  };
  for (const shard of shards) place(shard);
  return ordered;
}
