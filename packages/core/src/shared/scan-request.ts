import { z } from 'zod';
import { DEFAULT_PAGE_LIMIT } from './page.js';
import { parseInput } from './validation.js';

/**
 * The most records one migration-face scan page holds: putMany's batch limit, so a backfill reads a batch in one
 * call. Lists served to callers stay at MAX_PAGE_LIMIT (100); only `RecordSet.scan` takes this.
 */
export const MAX_SCAN_LIMIT = 1000;

export const scanRequestSchema = z
  .object({
    cursor: z.string().max(2048).nullish(),
    limit: z.number().int().min(1).max(MAX_SCAN_LIMIT).default(DEFAULT_PAGE_LIMIT),
  })
  .strict();

/** Where a scan resumes (`cursor` from the previous page, absent for the first) and how many records to return. */
export type ScanRequest = z.input<typeof scanRequestSchema>;
export type ParsedScanRequest = z.output<typeof scanRequestSchema>;

export function parseScanRequest(page: ScanRequest | undefined): ParsedScanRequest {
  return parseInput(scanRequestSchema, page ?? {}, 'scan request');
}
