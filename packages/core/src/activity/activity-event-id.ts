import { sha256 } from '../shared/sha256.js';

const hex = (bytes: Uint8Array): string => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');

// Bumped only if the derivation changes; ids already stored keep absorbing the events they were made for.
const NAMESPACE = 'cohort.activity-event/1';

/**
 * The id of the activity event that records one change, derived from the change alone, so every call that records
 * it (a duplicate that lost a race, a use case retried after a crash) names the same event and the log's idempotent
 * append keeps one. A UUIDv7 whose timestamp is `at` (clamped to the epoch: UUIDv7 has no earlier instants) and whose
 * 74 other bits come from SHA-256 of `at` and `parts`, so it stays time-ordered and parses like any other id.
 */
export function activityEventId(at: Date, parts: readonly (string | number)[]): string {
  const time = at.getTime();
  const digest = sha256(new TextEncoder().encode(JSON.stringify([NAMESPACE, time, ...parts])));
  const ms = Math.max(0, time);
  const bytes = new Uint8Array(16);
  bytes[0] = Math.floor(ms / 2 ** 40) & 0xff;
  bytes[1] = Math.floor(ms / 2 ** 32) & 0xff;
  bytes[2] = (ms >>> 24) & 0xff;
  bytes[3] = (ms >>> 16) & 0xff;
  bytes[4] = (ms >>> 8) & 0xff;
  bytes[5] = ms & 0xff;
  bytes.set(digest.subarray(0, 10), 6);
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const h = hex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
