import type { TransactWriteItem } from '@aws-sdk/lib-dynamodb';
import { CohortError } from '@cohort/core';
import { lastOfEachKey } from '@cohort/core/adapter';
import { RETRY, forEachLimit, optimistic } from './concurrency.js';
import type { DynamoContext } from './dynamo-context.js';
import { batchGet, failedAt, transactWrite, type Item, type Key } from './dynamo-ops.js';

/** The fields of T that hold text. */
type TextField<T> = { [K in keyof T]: T[K] extends string ? K : never }[keyof T] & string;

/** What a guarded record carries: an id, a version, and (through `unique`) the value it holds. */
type Guarded = { readonly id: string; readonly version: number };

/** A record set whose records each hold a unique value (a user's email, a community's slug) behind a guard item. */
export interface GuardedRecordSet<T extends Guarded> {
  /** Names the operation in errors: 'users.putMany'. */
  readonly what: string;
  /** The record's unique field, stored under the same attribute name: 'email'. */
  readonly unique: TextField<T>;
  /** Who holds a value, for messages: 'user'. */
  readonly owner: string;
  /** The guard item's attribute naming its holder: 'userId'. */
  readonly holder: string;
  readonly recordKey: (id: string) => Key;
  readonly guardKey: (value: string) => Key;
  readonly guardItem: (value: string, id: string) => Item;
  readonly toItem: (record: T) => Item;
  readonly toDomain: (item: Item) => T;
}

/** Records per transaction: each takes up to three items (record, new guard, old guard) of DynamoDB's 100. */
const RECORDS_PER_TRANSACTION = 25;

/**
 * Stores records that hold unique values, moving each value's guard with its record, with the memory adapter's
 * semantics: CONFLICT before anything is written when a value is held outside the batch or claimed twice within it,
 * and values may change hands within one batch (two users swapping emails). Records linked by such a hand-over share
 * a transaction of up to 25 records; each transaction's conditions rest on one BatchGet of what is stored and are
 * retried from a fresh read when a concurrent write moved it.
 */
export async function putManyGuarded<T extends Guarded>(
  context: DynamoContext,
  set: GuardedRecordSet<T>,
  parsed: readonly T[],
): Promise<void> {
  // Sequential upserts of the batch would leave the last record of each id.
  const records = lastOfEachKey(parsed, (record) => record.id);
  const claims = new Map<string, string>();
  for (const record of records) {
    const value = valueOf(set, record);
    if (claims.has(value)) throw CohortError.conflict(`Two ${set.owner}s of the batch have the ${set.unique} ${value}`);
    claims.set(value, record.id);
  }
  const links = new Links(records.map((record) => record.id));
  const claimOfGuard = new Map([...claims].map(([value, id]) => [String(set.guardKey(value).pk), { value, id }]));
  for (const guard of await batchGet(context, [...claims.keys()].map(set.guardKey), set.what)) {
    const claim = claimOfGuard.get(String(guard.pk)) as { value: string; id: string };
    const holder = String(guard[set.holder]);
    if (!links.has(holder)) {
      throw CohortError.conflict(`The ${set.unique} ${claim.value} belongs to another ${set.owner}`);
    }
    // The value changes hands within the batch: giver and taker must share a transaction.
    links.join(claim.id, holder);
  }
  const byId = new Map(records.map((record) => [record.id, record]));
  const chunks = links.chunks(RECORDS_PER_TRANSACTION).map((ids) => ids.map((id) => byId.get(id) as T));
  await forEachLimit(chunks, 4, async (chunk) => {
    await optimistic(set.what, () => putChunk(context, set, chunk));
  });
}

/** The unique value a record holds. */
function valueOf<T extends Guarded>(set: GuardedRecordSet<T>, record: T): string {
  return record[set.unique] as string;
}

/** One transaction: every record of the chunk, its guard, and the guards it gives up that nobody in it takes. */
async function putChunk<T extends Guarded>(
  context: DynamoContext,
  set: GuardedRecordSet<T>,
  chunk: readonly T[],
): Promise<true | typeof RETRY> {
  const { tableName } = context;
  const stored = await batchGet(
    context,
    chunk.map((record) => set.recordKey(record.id)),
    set.what,
  );
  const previous = new Map(stored.map((item) => set.toDomain(item)).map((record) => [record.id, record]));
  const value = (record: T): string => valueOf(set, record);
  const claimed = new Set(chunk.map(value));
  // Who in the chunk held each value before: a guard may still name them, as they give it up in this transaction.
  const givers = new Map<string, string[]>();
  for (const before of previous.values()) {
    const ids = givers.get(value(before));
    if (ids) ids.push(before.id);
    else givers.set(value(before), [before.id]);
  }
  const holderNames = { '#holder': set.holder };
  const records: TransactWriteItem[] = chunk.map((record) => {
    const before = previous.get(record.id);
    return {
      Put: {
        TableName: tableName,
        Item: set.toItem(record),
        ...(before
          ? {
              ConditionExpression: '#version = :version AND #unique = :unique',
              ExpressionAttributeNames: { '#version': 'version', '#unique': set.unique },
              ExpressionAttributeValues: { ':version': before.version, ':unique': value(before) },
            }
          : { ConditionExpression: 'attribute_not_exists(pk)' }),
      },
    };
  });
  const guards: TransactWriteItem[] = chunk.map((record) => {
    const holders = [record.id, ...(givers.get(value(record)) ?? []).filter((id) => id !== record.id)];
    return {
      Put: {
        TableName: tableName,
        Item: set.guardItem(value(record), record.id),
        ConditionExpression: `attribute_not_exists(pk) OR #holder IN (${holders.map((_, index) => `:h${index}`).join(', ')})`,
        ExpressionAttributeNames: holderNames,
        ExpressionAttributeValues: Object.fromEntries(holders.map((id, index): [string, string] => [`:h${index}`, id])),
      },
    };
  });
  const releases: TransactWriteItem[] = chunk.flatMap((record) => {
    const before = previous.get(record.id);
    if (!before || claimed.has(value(before))) return [];
    return [
      {
        Delete: {
          TableName: tableName,
          Key: set.guardKey(value(before)),
          ConditionExpression: 'attribute_not_exists(pk) OR #holder = :id',
          ExpressionAttributeNames: holderNames,
          ExpressionAttributeValues: { ':id': record.id },
        },
      },
    ];
  });
  const result = await transactWrite(context, [...records, ...guards, ...releases], set.what, {
    retryConflicts: false,
  });
  if (result.ok) return true;
  const taken = chunk.find((_, index) => failedAt(result, chunk.length + index));
  if (taken) throw CohortError.conflict(`The ${set.unique} ${value(taken)} belongs to another ${set.owner}`);
  return RETRY;
}

/** Record ids joined into groups (union-find), packed whole into chunks in first-seen order. */
class Links {
  private readonly parent = new Map<string, string>();

  constructor(ids: readonly string[]) {
    for (const id of ids) this.parent.set(id, id);
  }

  has(id: string): boolean {
    return this.parent.has(id);
  }

  join(a: string, b: string): void {
    this.parent.set(this.root(a), this.root(b));
  }

  /** Groups packed into chunks of at most `size` ids; a group larger than that is split (its hand-overs may then conflict). */
  chunks(size: number): string[][] {
    const groups = new Map<string, string[]>();
    for (const id of this.parent.keys()) {
      const root = this.root(id);
      const group = groups.get(root);
      if (group) group.push(id);
      else groups.set(root, [id]);
    }
    const chunks: string[][] = [];
    let current: string[] = [];
    for (const group of groups.values()) {
      if (current.length + group.length > size && current.length > 0) {
        chunks.push(current);
        current = [];
      }
      for (const id of group) {
        current.push(id);
        if (current.length === size) {
          chunks.push(current);
          current = [];
        }
      }
    }
    if (current.length > 0) chunks.push(current);
    return chunks;
  }

  private root(id: string): string {
    let root = id;
    while (this.parent.get(root) !== root) root = this.parent.get(root) as string;
    this.parent.set(id, root);
    return root;
  }
}
