import { emailSchema, textLimits, userRoles, userStatuses, type User } from '@cohort/core';
import type { Columns } from '../shared/sql-values.js';
import { StoredRow } from '../shared/stored-row.js';
import type { UserEntity } from './user.entity.js';

export const userColumns: Columns<UserEntity> = {
  id: { column: 'id', type: 'uuid' },
  email: { column: 'email', type: 'text' },
  displayName: { column: 'display_name', type: 'text' },
  role: { column: 'role', type: 'text' },
  status: { column: 'status', type: 'text' },
  createdAt: { column: 'created_at', type: 'timestamptz' },
  updatedAt: { column: 'updated_at', type: 'timestamptz' },
  version: { column: 'version', type: 'integer' },
};

export function userToEntity(user: User): UserEntity {
  return { ...user };
}

const stored: StoredRow = new StoredRow('user');
const roles = new Set(userRoles);
const statuses = new Set(userStatuses);

export function userFromEntity(row: UserEntity): User {
  // One field parse, not a copy of core's email rules: a user is read one at a time.
  const email = emailSchema.safeParse(row.email);
  if (!email.success) stored.invalid('email', 'is not an email address');
  return {
    id: stored.id(row.id, 'id'),
    email: email.data,
    displayName: stored.text(row.displayName, 'displayName', ...textLimits.user.displayName),
    role: stored.oneOf(row.role, 'role', roles),
    status: stored.oneOf(row.status, 'status', statuses),
    createdAt: stored.instant(row.createdAt, 'createdAt'),
    updatedAt: stored.instant(row.updatedAt, 'updatedAt'),
    version: stored.int(row.version, 'version', 1),
  };
}
