import { MAX_CONTROL_LIST, type ControlRecord, type ControlRecords } from '@cohort/core';
import {
  controlVersionMismatch,
  encodeControlValue,
  parseControlKey,
  parseControlPrefix,
  parseControlVersion,
} from '@cohort/core/adapter';
import type { DynamoContext } from '../shared/dynamo-context.js';
import { deleteItem, getItem, putItem, queryItems, type Item } from '../shared/dynamo-ops.js';
import { CONTROL_RECORD_TYPE, controlKeys } from './control.keys.js';

const toRecord = (item: Item): ControlRecord => ({
  key: item['sk'] as string,
  value: JSON.parse(item['json'] as string) as unknown,
  version: item['version'] as number,
});

/**
 * Control records as items of the `CONTROL#` partition of the single table; the value is kept as JSON text (so it
 * reads back exactly, whatever DynamoDB thinks of empty strings or number precision). Every write is a conditional
 * put on the version, every read strongly consistent.
 */
export class DynamoControlRecords implements ControlRecords {
  constructor(private readonly context: DynamoContext) {}

  async read(key: string): Promise<ControlRecord | null> {
    const name = parseControlKey(key);
    const item = await getItem(this.context, controlKeys.record(name), 'control.read');
    return item ? toRecord(item) : null;
  }

  async write(key: string, value: unknown, expectedVersion: number | null): Promise<ControlRecord> {
    const name = parseControlKey(key);
    const expected = parseControlVersion(expectedVersion);
    const json = encodeControlValue(value);
    const version = (expected ?? 0) + 1;
    const written = await putItem(
      this.context,
      {
        Item: { ...controlKeys.record(name), _type: CONTROL_RECORD_TYPE, json, version },
        ...(expected === null
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : {
              ConditionExpression: '#version = :expected',
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':expected': expected },
            }),
      },
      'control.write',
    );
    if (!written) throw controlVersionMismatch(name, expected);
    return { key: name, value: JSON.parse(json) as unknown, version };
  }

  async list(prefix: string): Promise<readonly ControlRecord[]> {
    const start = parseControlPrefix(prefix);
    const items = await queryItems(
      this.context,
      {
        KeyConditionExpression: start === '' ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues:
          start === '' ? { ':pk': controlKeys.partition } : { ':pk': controlKeys.partition, ':prefix': start },
        ConsistentRead: true,
      },
      MAX_CONTROL_LIST,
      'control.list',
    );
    return items.map(toRecord);
  }

  async delete(key: string, expectedVersion?: number): Promise<boolean> {
    const name = parseControlKey(key);
    const expected = expectedVersion === undefined ? null : parseControlVersion(expectedVersion);
    const deleted = await deleteItem(
      this.context,
      {
        Key: controlKeys.record(name),
        ReturnValues: 'ALL_OLD',
        ...(expected === null
          ? {}
          : {
              ConditionExpression: 'attribute_not_exists(pk) OR #version = :expected',
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':expected': expected },
            }),
      },
      'control.delete',
    );
    if (deleted === null) throw controlVersionMismatch(name, expected);
    return Object.keys(deleted).length > 0;
  }
}
