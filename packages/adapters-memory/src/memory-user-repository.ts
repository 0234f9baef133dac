import {
  CohortError,
  emailSchema,
  type Clock,
  type CreateUserInput,
  type Page,
  type PageRequest,
  type User,
  type UserPatch,
  type UserRepository,
} from '@cohort/core';
import {
  atExpectedVersion,
  applyUserPatch,
  newUser,
  parseExpectedVersion,
  parseId,
  parseInput,
  parsePageRequest,
  parseUserPatch,
} from '@cohort/core/adapter';
import { byText, pageOf } from './memory-pages.js';
import { copyOf, roundTrip, type MemoryTables } from './memory-tables.js';

export class MemoryUserRepository implements UserRepository {
  constructor(
    private readonly tables: MemoryTables,
    private readonly clock: Clock,
  ) {}

  async create(input: CreateUserInput): Promise<User> {
    await roundTrip();
    const user = newUser(input, this.clock.now());
    this.claimEmail(user.email, user.id);
    this.tables.users.set(user.id, user);
    return copyOf(user);
  }

  async getById(id: string): Promise<User | null> {
    await roundTrip();
    const user = this.tables.users.get(parseId(id));
    return user ? copyOf(user) : null;
  }

  async findByEmail(email: string): Promise<User | null> {
    await roundTrip();
    const id = this.tables.userIdsByEmail.get(parseInput(emailSchema, email, 'email'));
    const user = id === undefined ? undefined : this.tables.users.get(id);
    return user ? copyOf(user) : null;
  }

  async update(id: string, patch: UserPatch, expectedVersion: number): Promise<User> {
    await roundTrip();
    const userId = parseId(id);
    const changes = parseUserPatch(patch);
    const version = parseExpectedVersion(expectedVersion);
    const current = atExpectedVersion(this.tables.users.get(userId), 'User', userId, version);
    const next = applyUserPatch(current, changes, this.clock.now());
    if (next.email !== current.email) {
      this.claimEmail(next.email, userId);
      this.tables.userIdsByEmail.delete(current.email);
    }
    this.tables.users.set(userId, next);
    return copyOf(next);
  }

  async list(page?: PageRequest): Promise<Page<User>> {
    await roundTrip();
    const request = parsePageRequest(page);
    return pageOf(
      this.tables.users.values(),
      byText((user) => user.id),
      'users.list',
      [],
      request,
    );
  }

  /** Points the unique email index at `userId`; CONFLICT when another user holds the email. */
  private claimEmail(email: string, userId: string): void {
    const holder = this.tables.userIdsByEmail.get(email);
    if (holder !== undefined && holder !== userId) throw CohortError.conflict(`Email ${email} is already taken`);
    this.tables.userIdsByEmail.set(email, userId);
  }
}
