import type { Clock, PortName } from '@cohort/core';
import { storeModule } from '@cohort/wiring';
import type { ContainerModule } from 'inversify';
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
  /** The longest a port call waits for DynamoDB, retries included, before UNAVAILABLE (default 10,000 ms). */
  readonly timeoutMs?: number;
}

/**
 * An inversify module binding the chosen ports to a DynamoDB store on `tableName`, and that store's record sets
 * under `TOKENS.RecordSets` named after each port (through @cohort/wiring's `storeModule`, which lets
 * `verifyWiring` and `recordSetsOf` see which store serves which port).
 */
export function dynamoModule(options: DynamoModuleOptions): ContainerModule {
  const { ports, ...storeOptions } = options;
  return storeModule(createDynamoStore(storeOptions), { ports, moduleName: 'dynamoModule' });
}
