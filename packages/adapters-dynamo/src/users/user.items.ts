import { userSchema, type User } from '@cohort/core';
import type { Item } from '../shared/dynamo-ops.js';
import { ITEM_VERSION, millis, parseStored, stripTableAttributes, withDates } from '../shared/item-format.js';
import { userKeys } from './user.keys.js';

export const USER_TYPE = 'user';
export const EMAIL_GUARD_TYPE = 'emailGuard';

export function toUserItem(user: User): Item {
  return {
    ...userKeys.user(user.id),
    ...userKeys.scan(user.id),
    _type: USER_TYPE,
    _v: ITEM_VERSION,
    ...user,
    createdAt: millis(user.createdAt),
    updatedAt: millis(user.updatedAt),
  };
}

export function toUser(item: Item): User {
  return parseStored(userSchema, withDates(stripTableAttributes(item), ['createdAt', 'updatedAt']), 'user');
}

export function emailGuardItem(email: string, userId: string): Item {
  return { ...userKeys.emailGuard(email), _type: EMAIL_GUARD_TYPE, _v: ITEM_VERSION, userId };
}
