// Contract suite: what every adapter must pass.
export { runContractSuite } from './contract/run-contract-suite.js';
export type { ContractSuiteOptions } from './contract/run-contract-suite.js';
export { expectCohortError } from './contract/expect-cohort-error.js';
export { collectAll } from './contract/groups/collect-pages.js';
export { TestClock } from './clock/test-clock.js';

// In-memory reference adapter.
export { createMemoryStore } from './memory/memory-store.js';
export type { MemoryStoreOptions } from './memory/memory-store.js';

// Deterministic data generator.
export { DEFAULT_PLATFORM_NOW, generatePlatform, platformScales } from './generator/generate-platform.js';
export type {
  GeneratedPlatform,
  PlatformSampleIds,
  PlatformScale,
  PlatformSizes,
  GeneratePlatformOptions,
} from './generator/generate-platform.js';
export { loadPlatform } from './generator/load-platform.js';
export type { LoadPlatformOptions, LoadProgress, LoadReport, LoadReportRow } from './generator/load-platform.js';
export { checkPlatformInvariants } from './generator/check-platform-invariants.js';
export type { InvariantCheckOptions, InvariantReport, PlatformRecords } from './generator/check-platform-invariants.js';

// inversify module binding ports to an in-memory store.
export { memoryModule } from './memory-module.js';
export type { MemoryModuleOptions } from './memory-module.js';
