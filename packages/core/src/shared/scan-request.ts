import { z } from 'zod';
import { cursorSchema, DEFAULT_PAGE_LIMIT } from './page.js';
import { parseInput } from './validation.js';

/**
 * The most records one migration-face scan page holds: putMany's batch limit, so a backfill reads a batch in one
 * call. Lists served to callers stay at MAX_PAGE_LIMIT (100); only `RecordSet.scan` takes this.
 */
export const MAX_SCAN_LIMIT = 1000;

export const scanRequestSchema = z
  .object({
    cursor: cursorSchema.nullish(),
    limit: z.number().int().min(1).max(MAX_SCAN_LIMIT).default(DEFAULT_PAGE_LIMIT),
  })
  .strict();

/** Where a scan resumes (`cursor` from the previous page; absent or null for the first, never '') and how many records to return. */
export type ScanRequest = z.input<typeof scanRequestSchema>;
export type ParsedScanRequest = z.output<typeof scanRequestSchema>;

export function parseScanRequest(page: ScanRequest | undefined): ParsedScanRequest {
  return parseInput(scanRequestSchema, page ?? {}, 'scan request');
}
