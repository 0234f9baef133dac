import type { PortName } from '@cohort/core';

/** Leave to write one port, from `WriteGate.admit`; `done` must be called once the write (and its mirror) ended. */
export interface WriteTicket {
  /** The epoch of the phases the write was admitted under. */
  readonly epoch: number;
  /** Throws UNAVAILABLE once this instance can no longer prove its lease: checked before each store is written. */
  proven(): void;
  /** The write ended (successfully or not). */
  done(): void;
}

/**
 * What a strangler store asks before each write when its controller governs a fleet: `admit` resolves once the port
 * may be written (the instance's lease is proven and the port not fenced), holding the caller meanwhile, and rejects
 * with UNAVAILABLE when that takes longer than the controller's bound.
 */
export interface WriteGate {
  admit(port: PortName, method: string): Promise<WriteTicket>;
}
