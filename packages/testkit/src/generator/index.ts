// The deterministic data generator, on a subpath of its own that loads no test framework: `cohort seed`, the demo and
// the benchmark import it in production code. TestClock travels with it, since a generated platform is dated.
export { DEFAULT_PLATFORM_NOW, generatePlatform, platformScales } from './generate-platform.js';
export type {
  GeneratedPlatform,
  PlatformSampleIds,
  PlatformScale,
  PlatformSizes,
  GeneratePlatformOptions,
} from './generate-platform.js';
export { loadPlatform } from './load-platform.js';
export type { LoadPlatformOptions, LoadProgress, LoadReport, LoadReportRow } from './load-platform.js';
export { checkPlatformInvariants } from './check-platform-invariants.js';
export type { InvariantCheckOptions, InvariantReport, PlatformRecords } from './check-platform-invariants.js';
export { TestClock } from '../clock/test-clock.js';
export { checkTraffic, startTraffic } from './traffic.js';
export type { Traffic, TrafficLedger, TrafficOp, TrafficOptions, TrafficReport, TrafficWrite } from './traffic.js';
