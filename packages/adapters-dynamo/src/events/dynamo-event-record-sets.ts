import { recordKeys, type Event, type Page, type RecordSet, type Registration, type ScanRequest } from '@cohort/core';
import { lastOfEachKey, parseRecordKeys, parseRecords, scanScope } from '@cohort/core/adapter';
import { forEachLimit } from '../shared/concurrency.js';
import type { DynamoContext } from '../shared/dynamo-context.js';
import { batchWrite, queryItems, updateItem } from '../shared/dynamo-ops.js';
import { Expression } from '../shared/expression.js';
import { ITEM_VERSION, cursorString } from '../shared/item-format.js';
import { countScanPartition, recordSetScanPage } from '../shared/scan-index.js';
import { TABLE } from '../table-definition.js';
import {
  EVENT_TYPE,
  LAST_POSITION,
  eventAttributes,
  eventIndexKeys,
  toEvent,
  toRegistration,
  toRegistrationItem,
} from './event.items.js';
import { eventKeys } from './event.keys.js';

const INDEX_ATTRIBUTES = [TABLE.gsi1.partitionKey, TABLE.gsi1.sortKey, TABLE.gsi2.partitionKey, TABLE.gsi2.sortKey];

/**
 * Raises an event's `lastPosition` to at least `position`, so registrations after a migration take positions past
 * the ones copied in. A no-op when the event is missing or already further along.
 */
async function advanceLastPosition(context: DynamoContext, eventId: string, position: number): Promise<void> {
  await updateItem(
    context,
    {
      Key: eventKeys.event(eventId),
      UpdateExpression: 'SET #last = :position',
      ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#last) OR #last < :position)',
      ExpressionAttributeNames: { '#last': LAST_POSITION },
      ExpressionAttributeValues: { ':position': position },
    },
    'events.advanceLastPosition',
  );
}

/**
 * Events in id order. putMany updates rather than replaces the item, so the hidden `lastPosition` survives; an
 * event new to this table starts past the highest position among registrations already copied in.
 */
export class DynamoEventRecordSet implements RecordSet<Event> {
  constructor(private readonly context: DynamoContext) {}

  async scan(page?: ScanRequest): Promise<Page<Event>> {
    return recordSetScanPage(
      this.context,
      {
        scope: scanScope('dynamo', 'events'),
        parts: ['id'],
        partition: eventKeys.eventScanPartition,
        startKey: (cursor) => eventKeys.eventScanStart(cursorString(cursor, 0)),
        toDomain: toEvent,
        keyOf: (event) => [event.id],
        what: 'events.scan',
      },
      page,
    );
  }

  async putMany(records: readonly Event[]): Promise<void> {
    const events = lastOfEachKey(parseRecords('events', records), recordKeys.events);
    await forEachLimit(events, 8, async (event) => {
      const expression = new Expression();
      const indexKeys = eventIndexKeys(event);
      const removed = INDEX_ATTRIBUTES.filter((attribute) => !(attribute in indexKeys));
      const last = expression.name(LAST_POSITION);
      const assignments = expression.set({
        ...eventAttributes(event),
        ...eventKeys.eventScan(event.id),
        ...indexKeys,
        _type: EVENT_TYPE,
        _v: ITEM_VERSION,
      });
      const old = await updateItem(
        this.context,
        {
          Key: eventKeys.event(event.id),
          UpdateExpression:
            `SET ${assignments}, ${last} = if_not_exists(${last}, ${expression.value(0)})` +
            (removed.length > 0 ? ` REMOVE ${removed.map((attribute) => expression.name(attribute)).join(', ')}` : ''),
          ReturnValues: 'ALL_OLD',
          ...expression.attributes(),
        },
        'events.putMany',
      );
      if (old && old[LAST_POSITION] === undefined) {
        const { index, partition } = eventKeys.registrationsQuery(event.id, undefined);
        const [highest] = await queryItems(
          this.context,
          {
            IndexName: index.name,
            KeyConditionExpression: '#p = :p',
            ExpressionAttributeNames: { '#p': index.partitionKey },
            ExpressionAttributeValues: { ':p': partition },
            ScanIndexForward: false,
          },
          1,
          'events.putMany',
        );
        if (highest) await advanceLastPosition(this.context, event.id, toRegistration(highest).position);
      }
    });
  }

  /** Deletes the event items (their hidden position sequence with them); registrations stay. */
  async deleteMany(keys: readonly string[]): Promise<void> {
    const ids = parseRecordKeys('events', keys).map((key) => key.key);
    await batchWrite(
      this.context,
      ids.map((id) => ({ delete: eventKeys.event(id) })),
      'events.deleteMany',
    );
  }

  async count(): Promise<number> {
    return countScanPartition(this.context, eventKeys.eventScanPartition, 'events.count');
  }
}

/** Registrations in (eventId, userId) order; putMany advances each event's position sequence past what it stores. */
export class DynamoRegistrationRecordSet implements RecordSet<Registration> {
  constructor(private readonly context: DynamoContext) {}

  async scan(page?: ScanRequest): Promise<Page<Registration>> {
    return recordSetScanPage(
      this.context,
      {
        scope: scanScope('dynamo', 'registrations'),
        parts: ['id', 'id'],
        partition: eventKeys.registrationScanPartition,
        startKey: (cursor) => eventKeys.registrationScanStart(cursorString(cursor, 0), cursorString(cursor, 1)),
        toDomain: toRegistration,
        keyOf: (registration) => [registration.eventId, registration.userId],
        what: 'registrations.scan',
      },
      page,
    );
  }

  async putMany(records: readonly Registration[]): Promise<void> {
    const registrations = lastOfEachKey(parseRecords('registrations', records), recordKeys.registrations);
    await batchWrite(
      this.context,
      registrations.map((registration) => ({ put: toRegistrationItem(registration) })),
      'registrations.putMany',
    );
    const highest = new Map<string, number>();
    for (const registration of registrations) {
      highest.set(registration.eventId, Math.max(highest.get(registration.eventId) ?? 0, registration.position));
    }
    await forEachLimit([...highest], 8, ([eventId, position]) => advanceLastPosition(this.context, eventId, position));
  }

  /** Deletes the registration items; the event's counters and position sequence are left as they are. */
  async deleteMany(keys: readonly string[]): Promise<void> {
    const parsed = parseRecordKeys('registrations', keys);
    await batchWrite(
      this.context,
      parsed.map(({ parts: [eventId = '', userId = ''] }) => ({ delete: eventKeys.registration(eventId, userId) })),
      'registrations.deleteMany',
    );
  }

  async count(): Promise<number> {
    return countScanPartition(this.context, eventKeys.registrationScanPartition, 'registrations.count');
  }
}
