// An adapter written outside the repository: it wraps the in-memory adapter, as a caching or logging layer would,
// and proves itself with the very suite Cohort's own adapters pass.
import { createMemoryStore } from '@cohort/adapters-memory';
import type { CohortStore } from '@cohort/core';
import { runContractSuite } from '@cohort/testkit';

function outsideStore(inner: CohortStore): CohortStore {
  return { ...inner };
}

runContractSuite({
  name: 'outside adapter',
  setup: ({ clock }) => Promise.resolve(outsideStore(createMemoryStore({ clock }))),
});
