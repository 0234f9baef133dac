import { randomUUID } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { MAX_CAPACITY, newId, type CohortStore } from '@cohort/core';
import { KeyedGate } from '@cohort/core/adapter';
import type pg from 'pg';
import type { BenchData } from '../stores/bench-data.js';
import type { DynamoBench } from '../stores/dynamo.js';
import { backoffDelay, cancellationReasons, numberKey, sleep } from '../stores/dynamo-raw.js';
import { cycle, expectSame, type Operation, type Side } from './operation.js';

/** Events each side registers for, so concurrent callers of the uncontended case rarely share one. */
const EVENTS_PER_SIDE = 64;

export interface RegisterInput {
  readonly eventId: string;
  readonly userId: string;
}

/** A scheduled event for the benchmark to register for (users are not checked by stores: any id will do). */
export async function createEvent(store: CohortStore, data: BenchData, capacity: number): Promise<string> {
  const startsAt = new Date(Date.now() + 30 * 86_400_000);
  const event = await store.events.create({
    title: 'Benchmark event',
    hostId: data.activeUsers[0] as string,
    startsAt,
    endsAt: new Date(startsAt.getTime() + 3_600_000),
    capacity,
  });
  return event.id;
}

const REGISTRATION_COLUMNS = `"event_id" AS "eventId", "user_id" AS "userId", "status" AS "status",
  "position" AS "position", "registered_at" AS "registeredAt", "updated_at" AS "updatedAt"`;

/** The adapter's register transaction, statement for statement, on a raw pg client. */
export async function registerWithPg(pool: pg.Pool, { eventId, userId }: RegisterInput): Promise<unknown> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const existing = await client.query<{ status: string }>(
      `SELECT ${REGISTRATION_COLUMNS} FROM "registrations" WHERE event_id = $1 AND user_id = $2`,
      [eventId, userId],
    );
    if (existing.rows[0] && existing.rows[0].status !== 'cancelled') {
      await client.query('COMMIT');
      return existing.rows[0];
    }
    let status = 'registered';
    let place = await client.query<{ position: number }>(
      `UPDATE "events" SET registered_count = registered_count + 1, next_position = next_position + 1
        WHERE id = $1 AND status = 'scheduled' AND registered_count < capacity
        RETURNING next_position - 1 AS position`,
      [eventId],
    );
    if (!place.rows[0]) {
      status = 'waitlisted';
      place = await client.query<{ position: number }>(
        `UPDATE "events" SET waitlist_count = waitlist_count + 1, next_position = next_position + 1
          WHERE id = $1 AND status = 'scheduled' AND registered_count >= capacity
          RETURNING next_position - 1 AS position`,
        [eventId],
      );
    }
    if (!place.rows[0]) throw new Error(`event ${eventId} is missing or cancelled`);
    const { rows } = await client.query(
      `INSERT INTO "registrations" AS r (event_id, user_id, status, position, registered_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (event_id, user_id) DO UPDATE
          SET status = EXCLUDED.status, position = EXCLUDED.position,
              registered_at = EXCLUDED.registered_at, updated_at = EXCLUDED.updated_at
        WHERE r.status = 'cancelled'
      RETURNING ${REGISTRATION_COLUMNS}`,
      [eventId, userId, status, place.rows[0].position, new Date().toISOString()],
    );
    await client.query('COMMIT');
    return rows[0];
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Seat-changing writes one process lets run at once per event, as the adapter gates them. */
const SEAT_WRITERS_PER_EVENT = 2;
const gate = new KeyedGate(SEAT_WRITERS_PER_EVENT);

type Item = Record<string, unknown>;

/**
 * The adapter's register protocol on a raw document client: two consistent reads, then one transaction that takes
 * the next position (conditional on nobody having taken it) and puts the registration. As in the adapter, at most
 * two registrations per event are in flight in this process, a transaction conflict is not resent but read again,
 * and a failed condition hands back the item as it now is (ReturnValuesOnConditionCheckFailure), so the next attempt
 * skips the read it already has.
 */
export function registerWithDynamo(
  { client, tableName }: Pick<DynamoBench, 'client' | 'tableName'>,
  { eventId, userId }: RegisterInput,
): Promise<unknown> {
  const eventKey = { pk: `EVENT#${eventId}`, sk: 'EVENT' };
  const registrationKey = { pk: `EVENT#${eventId}`, sk: `REGISTRATION#${userId}` };
  const get = async (key: Record<string, string>): Promise<Item | undefined> =>
    (await client.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
  return gate.run(eventId, async () => {
    let known: { event?: Item; registration?: Item | null } = {};
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const [event, existing] = await Promise.all([
        known.event ?? get(eventKey),
        known.registration !== undefined ? known.registration : get(registrationKey),
      ]);
      known = {};
      if (!event) throw new Error(`event ${eventId} is missing`);
      if (existing && existing['status'] !== 'cancelled') return existing;
      if (event['status'] !== 'scheduled') throw new Error(`event ${eventId} is cancelled`);
      const registered = (event['registeredCount'] as number) < (event['capacity'] as number);
      const status = registered ? 'registered' : 'waitlisted';
      const last = typeof event['lastPosition'] === 'number' ? event['lastPosition'] : 0;
      const position = last + 1;
      const now = Date.now();
      const registration = {
        ...registrationKey,
        gsi1pk: `REGISTRATIONS#${eventId}`,
        gsi1sk: numberKey(position),
        gsi2pk: `REGISTRATIONS#${eventId}#${status}`,
        gsi2sk: numberKey(position),
        scanPk: 'TYPE#registrations',
        scanSk: `${eventId}#${userId}`,
        _type: 'registration',
        _v: 1,
        eventId,
        userId,
        status,
        position,
        registeredAt: now,
        updatedAt: now,
      };
      const input = {
        TransactItems: [
          {
            Update: {
              TableName: tableName,
              Key: eventKey,
              UpdateExpression: 'ADD #last :one, #counter :one',
              ConditionExpression:
                `#status = :scheduled AND ${registered ? 'registeredCount < #capacity' : 'registeredCount >= #capacity'} AND ` +
                (last === 0 ? '(attribute_not_exists(#last) OR #last = :last)' : '#last = :last'),
              ExpressionAttributeNames: {
                '#last': 'lastPosition',
                '#counter': registered ? 'registeredCount' : 'waitlistCount',
                '#status': 'status',
                '#capacity': 'capacity',
              },
              ExpressionAttributeValues: { ':one': 1, ':scheduled': 'scheduled', ':last': last },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
            },
          },
          {
            Put: {
              TableName: tableName,
              Item: registration,
              ...(existing
                ? {
                    ConditionExpression: '#status = :cancelled AND #position = :position',
                    ExpressionAttributeNames: { '#status': 'status', '#position': 'position' },
                    ExpressionAttributeValues: { ':cancelled': 'cancelled', ':position': existing['position'] },
                  }
                : { ConditionExpression: 'attribute_not_exists(pk)' }),
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
            },
          },
        ],
        ClientRequestToken: randomUUID(),
      };
      let stale: { reasons: string[]; items: (Item | undefined)[] };
      for (let retry = 0; ; retry += 1) {
        try {
          await client.send(new TransactWriteCommand(input));
          return registration;
        } catch (error) {
          const reasons = cancellationReasons(error);
          if (reasons === null) throw error;
          if (reasons.includes('ConditionalCheckFailed') || reasons.includes('TransactionConflict')) {
            // The document client does not convert the items a cancellation returns: they are in wire form.
            const items = (
              (error as { CancellationReasons?: { Item?: Record<string, AttributeValue> }[] }).CancellationReasons ?? []
            ).map((reason) => (reason.Item ? unmarshall(reason.Item) : undefined));
            stale = { reasons, items };
            break;
          }
          if (retry + 1 >= 24 || !reasons.some((reason) => RETRYABLE.has(reason))) throw error;
          await sleep(backoffDelay(retry, 10, 500));
        }
      }
      if (stale.reasons[0] === 'ConditionalCheckFailed' && stale.reasons[1] === 'None') {
        known = { ...(stale.items[0] ? { event: stale.items[0] } : {}), registration: existing ?? null };
      } else if (stale.reasons[1] === 'ConditionalCheckFailed' && stale.items[1]) {
        known = { registration: stale.items[1] };
      }
      await sleep(backoffDelay(attempt, 5, 250));
    }
    throw new Error(`register ${eventId}/${userId} kept losing races`);
  });
}

const RETRYABLE = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded']);

/** The registration as the port returns it, for comparing the sides. */
function comparable(registration: object) {
  const fields = registration as Record<string, unknown>;
  const at = (value: unknown) => (value instanceof Date ? value.getTime() : Number(value));
  return {
    eventId: fields['eventId'],
    userId: fields['userId'],
    status: fields['status'],
    position: Number(fields['position']),
    registeredAt: at(fields['registeredAt']),
  };
}

/** Registers through the raw side, then checks through the adapter that the registration and the seat are there. */
export async function verifyRawRegister(
  store: CohortStore,
  eventId: string,
  raw: (input: RegisterInput) => Promise<unknown>,
): Promise<void> {
  const adapter = await store.events.register(eventId, newId());
  if (adapter.status !== 'registered') throw new Error(`register: the adapter ${adapter.status} on an empty event`);
  const before = await store.events.getById(eventId);
  const userId = newId();
  const written = (await raw({ eventId, userId })) as object;
  const read = await store.events.getRegistration(eventId, userId);
  if (!read) throw new Error('register: the adapter cannot read what the raw side registered');
  expectSame('register', comparable(read), comparable(written));
  const after = await store.events.getById(eventId);
  if ((after?.registeredCount ?? 0) !== (before?.registeredCount ?? 0) + 1 || read.position !== adapter.position + 1) {
    throw new Error('register: the raw side did not take the next seat and position');
  }
}

/** `events.register(eventId, userId)`: a new user takes a seat; callers spread over 64 events per side. */
export const register: Operation = {
  id: 'register',
  name: 'register for an event',
  kind: 'write',
  async postgres({ store, pool, data }) {
    const events = await eventPools(store, data);
    return {
      note: `${EVENTS_PER_SIDE} events per side, capacity ${MAX_CAPACITY}`,
      input: (index: number, side: Side): RegisterInput => ({ eventId: cycle(events[side], index), userId: newId() }),
      adapter: ({ eventId, userId }: RegisterInput) => store.events.register(eventId, userId),
      raw: (input: RegisterInput) => registerWithPg(pool, input),
      verify: async () =>
        verifyRawRegister(store, await createEvent(store, data, 10), (input) => registerWithPg(pool, input)),
    };
  },
  async dynamo(bench) {
    const { store, data } = bench;
    const events = await eventPools(store, data);
    return {
      note: `${EVENTS_PER_SIDE} events per side, capacity ${MAX_CAPACITY}`,
      input: (index: number, side: Side): RegisterInput => ({ eventId: cycle(events[side], index), userId: newId() }),
      adapter: ({ eventId, userId }: RegisterInput) => store.events.register(eventId, userId),
      raw: (input: RegisterInput) => registerWithDynamo(bench, input),
      verify: async () =>
        verifyRawRegister(store, await createEvent(store, data, 10), (input) => registerWithDynamo(bench, input)),
    };
  },
};

async function eventPools(store: CohortStore, data: BenchData): Promise<Record<Side, string[]>> {
  const pool = async () => {
    const ids: string[] = [];
    for (let index = 0; index < EVENTS_PER_SIDE; index += 1) ids.push(await createEvent(store, data, MAX_CAPACITY));
    return ids;
  };
  return { adapter: await pool(), raw: await pool() };
}
