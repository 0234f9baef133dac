// Contract suite: what every adapter must pass. This entry loads vitest (an optional peer): import it from test files
// only. Production code takes the generator from `@cohort/testkit/generator` and the in-memory adapter from
// `@cohort/adapters-memory`.
export { runContractSuite } from './contract/run-contract-suite.js';
export type { ContractSuiteOptions } from './contract/run-contract-suite.js';
export { readUntil } from './contract/read-until.js';
export type { ChangeFeedContractOptions, LosePositionTarget } from './contract/groups/change-feed.contract.js';
export type { ControlRecordsContractOptions } from './contract/groups/control-records.contract.js';
export { expectCohortError } from './contract/expect-cohort-error.js';
export { collectAll } from './contract/groups/collect-pages.js';
export { TestClock } from './clock/test-clock.js';
export { describeExactlyOnceActivity } from './services/exactly-once-activity.suite.js';
export type { OpenServiceStore, OpenedServiceStore } from './services/exactly-once-activity.suite.js';

// Deterministic data generator (also on `@cohort/testkit/generator`, without vitest).
export {
  DEFAULT_PLATFORM_NOW,
  checkPlatformInvariants,
  generatePlatform,
  loadPlatform,
  platformScales,
} from './generator/index.js';
export type {
  GeneratedPlatform,
  GeneratePlatformOptions,
  InvariantCheckOptions,
  InvariantReport,
  LoadPlatformOptions,
  LoadProgress,
  LoadReport,
  LoadReportRow,
  PlatformRecords,
  PlatformSampleIds,
  PlatformScale,
  PlatformSizes,
} from './generator/index.js';
