import type { Page, PageRequest } from '../shared/page.js';
import type { CreateUserInput, User, UserPatch } from './user.schema.js';

export interface UserRepository {
  /** Stores a new active user at version 1; CONFLICT when the email is taken in any letter case. */
  create(input: CreateUserInput): Promise<User>;
  /** The user, or null. */
  getById(id: string): Promise<User | null>;
  /** Case-insensitive lookup; null when nobody has that email. */
  findByEmail(email: string): Promise<User | null>;
  /** Applies `patch` if the stored version is `expectedVersion`: NOT_FOUND, CONCURRENCY, or CONFLICT (email taken). */
  update(id: string, patch: UserPatch, expectedVersion: number): Promise<User>;
  /** All users in id order (creation order, as ids are UUIDv7). */
  list(page?: PageRequest): Promise<Page<User>>;
}
