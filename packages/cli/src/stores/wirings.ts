import { contextNames, type ContextName } from '@cohort/wiring';

/** Where a context's data lives. */
export type StoreKind = 'postgres' | 'dynamo' | 'memory';

/** Which store serves each context. */
export type Layout = Readonly<Record<ContextName, StoreKind>>;

export const wiringNames = ['hybrid', 'postgres', 'dynamo', 'memory'] as const;
export type WiringName = (typeof wiringNames)[number];

const everything = (kind: StoreKind): Layout =>
  Object.fromEntries(contextNames.map((context) => [context, kind])) as Record<ContextName, StoreKind>;

/**
 * The named layouts `--wiring` accepts. `hybrid` is the first case study's: the relational contexts on PostgreSQL,
 * the activity firehose on DynamoDB.
 */
export const wirings: Readonly<Record<WiringName, Layout>> = {
  hybrid: { users: 'postgres', content: 'postgres', events: 'postgres', community: 'postgres', activity: 'dynamo' },
  postgres: everything('postgres'),
  dynamo: everything('dynamo'),
  memory: everything('memory'),
};

export const storeLabels: Readonly<Record<StoreKind, string>> = {
  postgres: 'PostgreSQL',
  dynamo: 'DynamoDB',
  memory: 'memory',
};

/** The contexts each store kind serves in a layout, only for the kinds it uses, in a stable order. */
export function contextsByStore(layout: Layout): [StoreKind, ContextName[]][] {
  const kinds: StoreKind[] = ['postgres', 'dynamo', 'memory'];
  return kinds
    .map((kind): [StoreKind, ContextName[]] => [kind, contextNames.filter((context) => layout[context] === kind)])
    .filter(([, contexts]) => contexts.length > 0);
}
