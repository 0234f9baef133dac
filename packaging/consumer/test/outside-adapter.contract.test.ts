// An adapter written outside the repository: it wraps the in-memory adapter, as a caching or logging layer would,
// and proves itself with the very suite Cohort's own adapters pass. Like any adapter it parses its arguments with
// the adapter kit (@cohort/core/adapter) before it touches storage.
import { createMemoryStore } from '@cohort/adapters-memory';
import type { CohortStore, UserRepository } from '@cohort/core';
import { parseId } from '@cohort/core/adapter';
import { runContractSuite } from '@cohort/testkit';

function outsideStore(inner: CohortStore): CohortStore {
  // The inner repository stays the prototype, so every other method runs on it unchanged.
  const users = Object.create(inner.users) as UserRepository;
  // async: a bad id must reach the caller as a rejected promise (VALIDATION), never as a synchronous throw.
  users.getById = async (id: string) => inner.users.getById(parseId(id));
  return { ...inner, users };
}

runContractSuite({
  name: 'outside adapter',
  setup: ({ clock }) => Promise.resolve(outsideStore(createMemoryStore({ clock }))),
});
