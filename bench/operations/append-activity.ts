import { randomUUID } from 'node:crypto';
import {
  BatchGetCommand,
  BatchWriteCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { dayOf, newId, type ActivityEvent, type CohortStore } from '@cohort/core';
import type { BenchData } from '../stores/bench-data.js';
import { backoffDelay, cancellationReasons, sleep, timeKey } from '../stores/dynamo-raw.js';
import { cycle, type Operation } from './operation.js';

const BATCH = 100;
const VERBS = ['viewed', 'progressed', 'commented', 'reacted'] as const;
/** The adapter's default activity retention (TTL), in days. */
const RETENTION_DAYS = 400;

/** 100 new events with fresh ids on the platform's last day, from many actors, about published content. */
function batchOf(data: BenchData, index: number, actor?: string): ActivityEvent[] {
  const at = data.now.getTime() - 60_000;
  return Array.from({ length: BATCH }, (_, position) => ({
    id: newId(),
    actorId: actor ?? cycle(data.activeUsers, index * 7 + position),
    verb: cycle(VERBS, position),
    object: { type: 'content' as const, id: cycle(data.publishedContents, index + position) },
    occurredAt: new Date(at - position),
    metadata: { source: 'bench' },
  }));
}

async function adapterAppend(store: CohortStore, events: ActivityEvent[]): Promise<number> {
  const { appended } = await store.activity.append(events);
  if (appended !== events.length) throw new Error(`append stored ${appended} of ${events.length} new events`);
  return appended;
}

/** Appends through the raw side, then checks through the adapter that the events are listed and counted. */
async function verifyRawAppend(
  store: CohortStore,
  data: BenchData,
  raw: (events: ActivityEvent[]) => Promise<unknown>,
): Promise<void> {
  // An actor of its own (stores do not check users), so no other append can push these events off its first page.
  const actor = newId();
  const events = batchOf(data, 0, actor);
  await adapterAppend(store, batchOf(data, 1));
  const day = dayOf(events[0]?.occurredAt as Date);
  const total = async () =>
    (await store.activity.dailyCounts({ from: day, to: day })).reduce((sum, count) => sum + count.count, 0);
  const before = await total();
  await raw(events);
  const listed = new Set((await store.activity.listByActor(actor, {}, { limit: BATCH })).items.map((e) => e.id));
  const missing = events.filter((event) => !listed.has(event.id)).length;
  if (missing > 0) throw new Error(`append: ${missing} events the raw side appended are not listed by the adapter`);
  const after = await total();
  if (after - before !== BATCH) throw new Error(`append: the raw side counted ${after - before} events, not ${BATCH}`);
}

const APPEND = `WITH input AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS r("id" uuid, "occurred_at" timestamptz, "actor_id" uuid,
      "verb" text, "object_type" text, "object_id" text, "metadata" jsonb, day date)),
  fresh AS (
    INSERT INTO "activity_ids" (id, occurred_at)
    SELECT id, occurred_at FROM input ORDER BY id
    ON CONFLICT (id) DO NOTHING
    RETURNING id),
  stored AS (
    INSERT INTO "activity_events" ("id", "occurred_at", "actor_id", "verb", "object_type", "object_id", "metadata")
    SELECT input."id", input."occurred_at", input."actor_id", input."verb", input."object_type", input."object_id",
      input."metadata"
    FROM input JOIN fresh USING (id)),
  counted AS (
    INSERT INTO "activity_daily_counts" (day, verb, count)
    SELECT day, verb, count(*) FROM input JOIN fresh USING (id) GROUP BY day, verb ORDER BY day, verb
    ON CONFLICT (day, verb) DO UPDATE SET count = "activity_daily_counts".count + EXCLUDED.count)
  SELECT count(*) AS appended FROM fresh`;

/** The adapter's transaction chunks: events plus one counter per (day, verb) of the chunk, at most 100 items. */
function chunks(events: readonly ActivityEvent[]): ActivityEvent[][] {
  const result: ActivityEvent[][] = [];
  let chunk: ActivityEvent[] = [];
  let counters = new Set<string>();
  for (const event of events) {
    const counter = `${dayOf(event.occurredAt)}|${event.verb}`;
    const extra = counters.has(counter) ? 1 : 2;
    if (chunk.length + counters.size + extra > 100) {
      result.push(chunk);
      chunk = [];
      counters = new Set();
    }
    chunk.push(event);
    counters.add(counter);
  }
  if (chunk.length > 0) result.push(chunk);
  return result;
}

/** `activity.append(100 events)`: a batch of new events, stored and counted atomically. */
export const appendActivity: Operation = {
  id: 'append-activity-100',
  name: 'append an activity batch of 100',
  kind: 'write',
  postgres({ store, pool, data }) {
    const raw = async (events: ActivityEvent[]) => {
      const rows = events.map((event) => {
        const occurredAt = event.occurredAt.toISOString();
        return {
          id: event.id,
          occurred_at: occurredAt,
          actor_id: event.actorId,
          verb: event.verb,
          object_type: event.object.type,
          object_id: event.object.id,
          metadata: event.metadata,
          day: occurredAt.slice(0, 10),
        };
      });
      const { rows: result } = await pool.query<{ appended: string }>(APPEND, [JSON.stringify(rows)]);
      return Number(result[0]?.appended);
    };
    return {
      input: (index: number) => batchOf(data, index),
      adapter: (events: ActivityEvent[]) => adapterAppend(store, events),
      raw,
      verify: () => verifyRawAppend(store, data, raw),
    };
  },
  dynamo({ store, client, tableName, data }) {
    const item = (event: ActivityEvent) => {
      const occurredAt = event.occurredAt.getTime();
      const order = `${timeKey(occurredAt)}#${event.id}`;
      return {
        pk: `ACTIVITY#${event.id}`,
        sk: 'ACTIVITY',
        gsi1pk: `ACTOR#${event.actorId}`,
        gsi1sk: order,
        gsi2pk: `OBJECT#${event.object.type}#${event.object.id}`,
        gsi2sk: order,
        scanPk: `ACTDAY#${dayOf(event.occurredAt)}`,
        scanSk: order,
        _type: 'activity',
        _v: 1,
        id: event.id,
        actorId: event.actorId,
        verb: event.verb,
        object: { type: event.object.type, id: event.object.id },
        occurredAt,
        metadata: JSON.stringify(event.metadata),
        expiresAt: Math.floor(occurredAt / 1000) + RETENTION_DAYS * 86_400,
      };
    };
    const counter = (day: string, verb: string, count: number) => ({
      Update: {
        TableName: tableName,
        Key: { pk: 'ACTIVITY_COUNTS', sk: `${verb}#${day}` },
        UpdateExpression: 'SET #type = :type, #v = :v, #day = :day, verb = :verb ADD #count :count',
        ExpressionAttributeNames: { '#type': '_type', '#v': '_v', '#day': 'day', '#count': 'count' },
        ExpressionAttributeValues: { ':type': 'activityCount', ':v': 1, ':day': day, ':verb': verb, ':count': count },
      },
    });
    /** One transaction, retried on conflicts like the adapter's; returns the ids that were already stored. */
    const transact = async (chunk: ActivityEvent[]): Promise<Set<string>> => {
      const increments = new Map<string, { day: string; verb: string; count: number }>();
      for (const event of chunk) {
        const day = dayOf(event.occurredAt);
        const key = `${day}|${event.verb}`;
        const current = increments.get(key) ?? { day, verb: event.verb, count: 0 };
        increments.set(key, { ...current, count: current.count + 1 });
      }
      const input: TransactWriteCommandInput = {
        TransactItems: [
          ...chunk.map((event) => ({
            Put: { TableName: tableName, Item: item(event), ConditionExpression: 'attribute_not_exists(pk)' },
          })),
          ...[...increments.values()].map((increment) => counter(increment.day, increment.verb, increment.count)),
        ],
        ClientRequestToken: randomUUID(),
      };
      for (let attempt = 0; ; attempt += 1) {
        try {
          await client.send(new TransactWriteCommand(input));
          return new Set();
        } catch (error) {
          const reasons = cancellationReasons(error);
          if (reasons === null || attempt + 1 >= 24) throw error;
          if (reasons.includes('ConditionalCheckFailed')) {
            return new Set(chunk.filter((_, index) => reasons[index] === 'ConditionalCheckFailed').map((e) => e.id));
          }
          await sleep(backoffDelay(attempt, 10, 500));
        }
      }
    };
    const raw = async (events: ActivityEvent[]) => {
      // 1. Register the day (so a purge finds its partition), as the adapter does before writing.
      const days = [...new Set(events.map((event) => dayOf(event.occurredAt)))];
      let pendingWrites = days.map((day) => ({
        PutRequest: { Item: { pk: 'ACTIVITY_DAYS', sk: day, _type: 'activityDay', _v: 1, day, stamp: randomUUID() } },
      }));
      while (pendingWrites.length > 0) {
        const output = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pendingWrites } }));
        pendingWrites = (output.UnprocessedItems?.[tableName] ?? []) as typeof pendingWrites;
      }
      // 2. Which ids are stored already (one consistent BatchGet of the 100 keys).
      const stored = new Set<string>();
      let pendingKeys: Record<string, unknown>[] = events.map((event) => ({
        pk: `ACTIVITY#${event.id}`,
        sk: 'ACTIVITY',
      }));
      while (pendingKeys.length > 0) {
        const output = await client.send(
          new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pendingKeys, ConsistentRead: true } } }),
        );
        for (const found of output.Responses?.[tableName] ?? []) stored.add(String(found['id']));
        pendingKeys = output.UnprocessedKeys?.[tableName]?.Keys ?? [];
      }
      // 3. The new ones with their counters, a transaction per chunk.
      let appended = 0;
      for (const chunk of chunks(events.filter((event) => !stored.has(event.id)))) {
        let pending = chunk;
        while (pending.length > 0) {
          const duplicates = await transact(pending);
          if (duplicates.size === 0) break;
          pending = pending.filter((event) => !duplicates.has(event.id));
        }
        appended += pending.length;
      }
      return appended;
    };
    return {
      input: (index: number) => batchOf(data, index),
      adapter: (events: ActivityEvent[]) => adapterAppend(store, events),
      raw,
      verify: () => verifyRawAppend(store, data, raw),
    };
  },
};
