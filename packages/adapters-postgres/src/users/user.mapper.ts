import { userSchema, type User } from '@cohort/core';
import { readStored, type Columns } from '../shared/sql-values.js';
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

export function userFromEntity(row: UserEntity): User {
  return readStored(userSchema, { ...row }, 'user');
}
