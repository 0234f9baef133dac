import type { Key } from '../shared/dynamo-ops.js';

/** Every control record lives in one partition, sorted by its key, so `list(prefix)` is one Query. */
export const controlKeys = {
  partition: 'CONTROL#',
  record: (key: string): Key => ({ pk: controlKeys.partition, sk: key }),
} as const;

/** `_type` of a control record item: internal, never a change of any record set. */
export const CONTROL_RECORD_TYPE = 'controlRecord';
