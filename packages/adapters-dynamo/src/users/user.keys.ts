import type { Key } from '../shared/dynamo-ops.js';

/** Every key of the users context: the user item, its email guard and its scan-index entry. */
export const userKeys = {
  /** The user item. */
  user: (id: string): Key => ({ pk: `USER#${id}`, sk: 'USER' }),
  /** Guards email uniqueness: exists exactly while a user holds the (lower-cased) email; read by key, so consistent. */
  emailGuard: (email: string): Key => ({ pk: `EMAIL#${email}`, sk: 'GUARD' }),
  /** The scan-index partition of all users, in id (creation) order: serves `list`, `scan` and `count`. */
  scanPartition: 'TYPE#users',
  scan: (id: string): Key => ({ scanPk: userKeys.scanPartition, scanSk: id }),
  /** Where a users scan resumes after user `id`. */
  scanStart: (id: string): Key => ({ ...userKeys.user(id), ...userKeys.scan(id) }),
} as const;
