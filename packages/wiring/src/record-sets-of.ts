import { TOKENS, recordSetNames, type RecordSets } from '@cohort/core';
import type { Container } from 'inversify';
import { portLabel, recordSetPorts } from './ports.js';

/**
 * The migration face of a whole wiring: each record set taken from the store that serves its port (registrations
 * with events, comments and reactions with posts, activity counters with activity), so a backfill or a seed fills
 * a hybrid deployment exactly where its ports read.
 */
export function recordSetsOf(container: Container): RecordSets {
  const entries = recordSetNames.map((name) => {
    const port = recordSetPorts[name];
    const sets = container.get<RecordSets>(TOKENS.RecordSets, { name: port, optional: true });
    if (sets === undefined) {
      throw new Error(
        `Cohort wiring: no record sets for port ${portLabel(port)} (bind it with storeModule or an adapter module)`,
      );
    }
    return [name, sets[name]] as const;
  });
  return Object.fromEntries(entries) as unknown as RecordSets;
}
