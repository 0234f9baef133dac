// Record sets: the order they are copied in and the references between them.
export { copyOrder, parentsOf, references, selectRecordSets } from './record-graph.js';
export type { Reference } from './record-graph.js';
export type { MigrationEndpoint } from './shared/endpoint.js';

// Backfill.
export { backfill, MAX_BATCH_SIZE } from './backfill/backfill.js';
export type { BackfillOptions, BackfillReport, BackfillSetReport } from './backfill/backfill.js';
export { memoryCheckpoint } from './backfill/checkpoint.js';
export type { BackfillCheckpoint, CheckpointStore, RecordSetCheckpoint } from './backfill/checkpoint.js';
export { fileCheckpoint, parseCheckpoint } from './backfill/checkpoint-file.js';
export { createProgressRenderer, formatDuration } from './backfill/progress.js';
export type { BackfillProgress, ProgressRendererOptions, ProgressStream } from './backfill/progress.js';

// Online move: backfill, then follow the source's change feed.
export { move } from './move/move.js';
export type { MoveHandle, MoveOptions, MovePhase, MoveReport, MoveSource, MoveStatus } from './move/move.js';
export { LagRecorder } from './move/lag.js';
export type { LagSample, LagSummary } from './move/lag.js';
export { DEFAULT_LAG_GATE_MS, DEFAULT_PAUSE_BOUND_MS, switchOver } from './move/switch-over.js';
export type { SwitchOverOptions, SwitchReport, SwitchStep } from './move/switch-over.js';
export { recordSetsOf, startOnlineMove } from './move/online-move.js';
export type {
  MoveDirection,
  OnlineMove,
  OnlineMoveOptions,
  OnlineMoveStatus,
  SwitchTuning,
} from './move/online-move.js';

// Verify and reconcile.
export { verify, writtenBetween } from './verify/verify.js';
export type {
  InFlightDifference,
  InFlightEvidence,
  InFlightReason,
  RecordSetVerification,
  VerifyOptions,
  VerifyProgress,
  VerifyReport,
} from './verify/verify.js';
export type { DifferenceKind, KeyDifference } from './verify/compare-sets.js';
export type { DanglingReference, IntegrityCheck, Side } from './verify/integrity.js';
export { formatVerifyReport, verifyExitCode, verifyReportJson } from './verify/report.js';
export { BucketDigests, bucketOf, canonicalJson, digestOf, normalize } from './verify/digest.js';
export { reconcile } from './verify/reconcile.js';
export type { ReconcileOptions, ReconcileReport, ReconciledSet } from './verify/reconcile.js';

// Strangler fig: dual-write, shadow-read, phases.
export { createPhaseController, isPhase, phases, stranglerStore } from './strangler/phase.js';
export type {
  Phase,
  PhaseChange,
  PhaseController,
  PhaseSource,
  StranglerOptions,
  StranglerStore,
  StranglerWrite,
} from './strangler/phase.js';
export {
  DEFAULT_LEASE_MS,
  createFleetPhaseController,
  idleInTransactionBoundFor,
} from './strangler/fleet-phase-controller.js';
export type {
  FleetEvent,
  FleetPhaseController,
  FleetPhaseControllerOptions,
  HoldStats,
} from './strangler/fleet-phase-controller.js';
export { fleetControl } from './strangler/fleet-control.js';
export type {
  CutOverReport,
  Fence,
  FenceRelease,
  FenceWait,
  FleetControl,
  FleetControlOptions,
  LeaseInfo,
} from './strangler/fleet-control.js';
export { DEFAULT_FLEET_KEY } from './strangler/fleet-record.js';
export type { FleetState, LeaseValue } from './strangler/fleet-record.js';
export type { WriteGate, WriteTicket } from './strangler/write-gate.js';
export { DualWriter, dualWrite, memoryRepairLog } from './strangler/dual-write.js';
export type {
  DualWriteOptions,
  MirrorDirection,
  RepairEntry,
  RepairLog,
  RepairReport,
  SecondaryFailurePolicy,
} from './strangler/dual-write.js';
export { ShadowReader, firstDifference, shadowRead } from './strangler/shadow-read.js';
export type { ShadowOutcome, ShadowReadOptions, ShadowResult } from './strangler/shadow-read.js';
export { planMirror, prepareWrite } from './strangler/mirror.js';
export type { CopyableRecordSet, MirrorPlan, SyncAction, WriteContext } from './strangler/mirror.js';
export { createMirrorClock, isMirrorClock } from './strangler/mirror-clock.js';
export type { MirrorClock } from './strangler/mirror-clock.js';
export { portMethods, portNames } from './strangler/ports.js';
