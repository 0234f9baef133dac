import { CohortError, type CohortErrorCode } from '@cohort/core';
import { expect } from 'vitest';

function describe(outcome: unknown): string {
  return outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : JSON.stringify(outcome);
}

/** Awaits `action` and asserts that it failed with a CohortError of exactly `code`; returns the error. */
export async function expectCohortError(
  action: Promise<unknown> | (() => Promise<unknown>),
  code: CohortErrorCode,
): Promise<CohortError> {
  let outcome: unknown;
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (error) {
    outcome = error;
  }
  if (!CohortError.is(outcome)) {
    expect.fail(`expected a CohortError ${code}, got ${outcome === undefined ? 'success' : describe(outcome)}`);
  }
  expect(outcome.code, outcome.message).toBe(code);
  return outcome;
}
