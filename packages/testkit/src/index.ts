// Contract suite: what every adapter must pass.
export { runContractSuite } from './contract/run-contract-suite.js';
export type { ContractSuiteOptions } from './contract/run-contract-suite.js';
export { expectCohortError } from './contract/expect-cohort-error.js';
export { TestClock } from './clock/test-clock.js';

// In-memory reference adapter.
export { createMemoryStore } from './memory/memory-store.js';
export type { MemoryStoreOptions } from './memory/memory-store.js';

// Deterministic data generator.
export { generatePlatform, platformScales } from './generator/generate-platform.js';
export type {
  GeneratedPlatform,
  PlatformScale,
  PlatformSizes,
  GeneratePlatformOptions,
} from './generator/generate-platform.js';
export { loadPlatform } from './generator/load-platform.js';
export type { LoadPlatformOptions, LoadProgress } from './generator/load-platform.js';
