import { newId } from '../shared/ids.js';
import { definedOnly } from '../shared/patch.js';
import { parseInput } from '../shared/validation.js';
import {
  createUserInputSchema,
  userPatchSchema,
  type CreateUserInput,
  type User,
  type UserPatch,
} from './user.schema.js';

export type ParsedUserPatch = ReturnType<typeof userPatchSchema.parse>;

/** The user a `create` stores: validated, normalized, active, version 1. */
export function newUser(input: CreateUserInput, now: Date): User {
  const parsed = parseInput(createUserInputSchema, input, 'user');
  return { id: newId(now.getTime()), ...parsed, status: 'active', createdAt: now, updatedAt: now, version: 1 };
}

/** Validates a patch before any read or write, so bad input never costs a round trip. */
export function parseUserPatch(patch: UserPatch): ParsedUserPatch {
  return parseInput(userPatchSchema, patch, 'user patch');
}

/** The user after a validated patch: next version, new updatedAt. */
export function applyUserPatch(user: User, patch: ParsedUserPatch, now: Date): User {
  return { ...user, ...definedOnly(patch), updatedAt: now, version: user.version + 1 };
}
