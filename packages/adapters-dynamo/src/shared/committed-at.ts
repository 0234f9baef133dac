import type { TransactWriteItem } from '@aws-sdk/lib-dynamodb';
import type { DynamoContext } from './dynamo-context.js';
import { COMMITTED_AT } from './item-format.js';

// Every put and update the adapter makes carries COMMITTED_AT (see item-format.ts): the change feed's commit time.
// The placeholders cannot meet the Expression helper's (#n0, :v0) or a hand-written expression's.
const NAME = '#cohortCommittedAt';
const VALUE = ':cohortCommittedAt';

/** The time a write stamps: the store's clock, in epoch ms. */
export function commitStamp(context: DynamoContext): number {
  return context.clock.now().getTime();
}

/** `item` with the commit stamp. */
export function stampItem<T extends Record<string, unknown>>(item: T, at: number): T {
  return { ...item, [COMMITTED_AT]: at };
}

interface UpdateShape {
  readonly UpdateExpression?: string | undefined;
  readonly ExpressionAttributeNames?: Record<string, string> | undefined;
  readonly ExpressionAttributeValues?: Record<string, unknown> | undefined;
}

// A SET clause keyword: at the start or after white space, so that a placeholder such as `#set` or `:set` is not one.
const SET_CLAUSE = /(^|\s)SET\s+/i;

/** An update whose expression also sets the commit stamp (into its SET clause, or in a SET clause of its own). */
export function stampUpdate<T extends UpdateShape>(input: T, at: number): T {
  const expression = input.UpdateExpression ?? '';
  const assignment = `${NAME} = ${VALUE}`;
  const stamped = SET_CLAUSE.test(expression)
    ? expression.replace(SET_CLAUSE, (_match, before: string) => `${before}SET ${assignment}, `)
    : `${expression} SET ${assignment}`.trim();
  return {
    ...input,
    UpdateExpression: stamped,
    ExpressionAttributeNames: { ...input.ExpressionAttributeNames, [NAME]: COMMITTED_AT },
    ExpressionAttributeValues: { ...input.ExpressionAttributeValues, [VALUE]: at },
  };
}

/** A transaction item with the commit stamp on its Put or Update (condition checks and deletes write no item). */
export function stampTransactItem(item: TransactWriteItem, at: number): TransactWriteItem {
  if (item.Put?.Item) return { ...item, Put: { ...item.Put, Item: stampItem(item.Put.Item, at) } };
  if (item.Update) return { ...item, Update: stampUpdate(item.Update, at) };
  return item;
}
