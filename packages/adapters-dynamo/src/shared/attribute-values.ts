import type { Item } from './dynamo-ops.js';

/** One DynamoDB AttributeValue in wire form, e.g. `{ S: 'x' }` or `{ N: '1' }`. */
type AttributeValue = Record<string, unknown>;

function fromAttributeValue(value: AttributeValue): unknown {
  if ('S' in value) return value.S;
  if ('N' in value) return Number(value.N);
  if ('BOOL' in value) return value.BOOL;
  if ('NULL' in value) return null;
  if ('M' in value) return fromAttributeMap(value.M as Record<string, AttributeValue>);
  if ('L' in value) return (value.L as AttributeValue[]).map(fromAttributeValue);
  if ('SS' in value) return new Set(value.SS as string[]);
  if ('NS' in value) return new Set((value.NS as string[]).map(Number));
  throw new Error(`Unsupported attribute value ${JSON.stringify(value)}`);
}

/**
 * Converts an item in wire form to a plain object. The document client converts responses, but not the items a
 * cancelled transaction returns in its CancellationReasons (ReturnValuesOnConditionCheckFailure); those come here.
 * Only the types this adapter writes are needed: strings, numbers, booleans, null, maps and lists.
 */
export function fromAttributeMap(map: Record<string, AttributeValue>): Item {
  return Object.fromEntries(Object.entries(map).map(([name, value]) => [name, fromAttributeValue(value)]));
}
