import { CohortError } from '@cohort/core';

/** A WAL location (PostgreSQL's pg_lsn) as a 64-bit number. */
export type Lsn = bigint;

/** `16/B374D848` (pg_lsn's text) → Lsn. */
export function parseLsn(text: string): Lsn {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  if (match === null) throw CohortError.unavailable(`PostgreSQL returned an invalid WAL location: ${text}`);
  return (BigInt(`0x${match[1] ?? '0'}`) << 32n) | BigInt(`0x${match[2] ?? '0'}`);
}

/** Lsn → pg_lsn text, for SQL parameters. */
export function formatLsn(lsn: Lsn): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** Lsn → 16 hex digits, the form positions carry (fixed width, so positions of one feed compare as text too). */
export function lsnHex(lsn: Lsn): string {
  return lsn.toString(16).padStart(16, '0');
}

/** 16 hex digits → Lsn; null for anything else. */
export function lsnFromHex(text: unknown): Lsn | null {
  return typeof text === 'string' && /^[0-9a-f]{16}$/.test(text) ? BigInt(`0x${text}`) : null;
}
