import { TOKENS, type Clock, type CohortStore, type PortName, type Token } from '@cohort/core';
import { ContainerModule } from 'inversify';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoStore } from './dynamo-store.js';

export interface DynamoModuleOptions {
  /** A ready document client; the caller creates and destroys it. */
  readonly client: DynamoDBDocumentClient;
  /** The single table (see `tableDefinition` and `ensureTable`). */
  readonly tableName: string;
  /** The ports DynamoDB serves in this deployment; every port by default. */
  readonly ports?: readonly PortName[];
  /** Where the store reads the time (default: the system clock). */
  readonly clock?: Clock;
  /** Days after occurredAt when DynamoDB's TTL may delete an activity event (default 400). */
  readonly activityRetentionDays?: number;
}

const portTokens: { readonly [P in PortName]: Token<CohortStore[P]> } = {
  users: TOKENS.UserRepository,
  contents: TOKENS.ContentRepository,
  enrollments: TOKENS.EnrollmentRepository,
  events: TOKENS.EventRepository,
  communities: TOKENS.CommunityRepository,
  memberships: TOKENS.MembershipRepository,
  posts: TOKENS.PostRepository,
  activity: TOKENS.ActivityLog,
};

/**
 * An inversify module binding the chosen ports to a DynamoDB store on `tableName`, and that store's record sets
 * under `TOKENS.RecordSets` named after each port (the convention of @cohort/wiring's `storeModule`, which lets
 * `verifyWiring` and `recordSetsOf` see which store serves which port).
 */
export function dynamoModule(options: DynamoModuleOptions): ContainerModule {
  const all = Object.keys(portTokens) as PortName[];
  const ports = options.ports ?? all;
  for (const port of ports) {
    if (!all.includes(port)) throw new Error(`Cohort wiring: dynamoModule got an unknown port ${String(port)}`);
  }
  const { ports: _ports, ...storeOptions } = options;
  const store = createDynamoStore(storeOptions);
  return new ContainerModule(({ bind }) => {
    for (const port of new Set(ports)) {
      bind(portTokens[port]).toConstantValue(store[port]);
      bind(TOKENS.RecordSets).toConstantValue(store.recordSets).whenNamed(port);
    }
  });
}
