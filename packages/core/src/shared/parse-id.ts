import { idSchema } from './ids.js';
import { parseField } from './validation.js';

/** Validates an id argument before it reaches a store (a malformed id is VALIDATION, never a driver error). */
export function parseId(id: unknown, field = 'id'): string {
  return parseField(idSchema, id, field);
}
