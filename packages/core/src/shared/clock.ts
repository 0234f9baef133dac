/** Where core and adapters read the time, so tests can hold it still or move it. */
export interface Clock {
  /** The current instant, at millisecond precision. */
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
