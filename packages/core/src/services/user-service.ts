import { z } from 'zod';
import { CohortError } from '../shared/cohort-error.js';
import type { Page, PageRequest } from '../shared/page.js';
import { parsePageRequest } from '../shared/page.js';
import { parseExpectedVersion } from '../shared/patch.js';
import { parseId } from '../shared/parse-id.js';
import { parseInput } from '../shared/validation.js';
import { parseUserPatch } from '../users/user-changes.js';
import {
  createUserInputSchema,
  emailSchema,
  userRoles,
  type CreateUserInput,
  type User,
  type UserPatch,
  type UserRole,
} from '../users/user.schema.js';
import type { ServiceDeps } from './service-deps.js';
import { ActivityRecorder, UserLookup, parseActorId } from './service-support.js';

export type UserServiceDeps = Pick<ServiceDeps, 'users' | 'activity' | 'clock'>;

const displayNameSchema = createUserInputSchema.shape.displayName;
const roleSchema = z.enum(userRoles);

/**
 * Sign-up and account administration. A user manages their own email, name and deactivation; an admin may do
 * so for anyone and is the only one who changes roles or reactivates an account.
 */
export class UserService {
  private readonly users: UserServiceDeps['users'];
  private readonly lookup: UserLookup;
  private readonly activity: ActivityRecorder;

  constructor(deps: UserServiceDeps) {
    this.users = deps.users;
    this.lookup = new UserLookup(deps.users);
    this.activity = new ActivityRecorder(deps.activity, deps.clock);
  }

  /** Creates an active user (CONFLICT when the email is taken) and records `signed_up` by that user. */
  async registerUser(input: CreateUserInput): Promise<User> {
    const parsed = parseInput(createUserInputSchema, input, 'user');
    const user = await this.users.create(parsed);
    await this.activity.record({
      actorId: user.id,
      verb: 'signed_up',
      object: { type: 'user', id: user.id },
      metadata: { role: user.role },
      change: { at: user.createdAt },
    });
    return user;
  }

  /** The user, or null. */
  async getUser(userId: string): Promise<User | null> {
    return this.users.getById(parseId(userId, 'userId'));
  }

  /** All users in creation order; any active user may list them. */
  async listUsers(actorId: string, page?: PageRequest): Promise<Page<User>> {
    const actor = parseActorId(actorId);
    const request = parsePageRequest(page);
    await this.lookup.activeActor(actor);
    return this.users.list(request);
  }

  /** Changes a user's email (the user or an admin); CONFLICT when taken, CONCURRENCY when `expectedVersion` is stale. */
  async changeEmail(actorId: string, userId: string, email: string, expectedVersion?: number): Promise<User> {
    const patch = { email: parseInput(emailSchema, email, 'email') };
    return this.selfOrAdmin(actorId, userId, patch, expectedVersion);
  }

  /** Changes a user's display name (the user or an admin). */
  async changeDisplayName(
    actorId: string,
    userId: string,
    displayName: string,
    expectedVersion?: number,
  ): Promise<User> {
    const patch = { displayName: parseInput(displayNameSchema, displayName, 'displayName') };
    return this.selfOrAdmin(actorId, userId, patch, expectedVersion);
  }

  /** Deactivates an account (the user or an admin); a deactivated user can no longer act. Idempotent. */
  async deactivateUser(actorId: string, userId: string, expectedVersion?: number): Promise<User> {
    return this.selfOrAdmin(actorId, userId, { status: 'deactivated' }, expectedVersion);
  }

  /** Reactivates an account; admins only. Idempotent. */
  async reactivateUser(actorId: string, userId: string, expectedVersion?: number): Promise<User> {
    return this.adminOnly(actorId, userId, { status: 'active' }, expectedVersion);
  }

  /** Changes a user's role; admins only. */
  async changeRole(actorId: string, userId: string, role: UserRole, expectedVersion?: number): Promise<User> {
    return this.adminOnly(actorId, userId, { role: parseInput(roleSchema, role, 'role') }, expectedVersion);
  }

  private async selfOrAdmin(
    actorId: string,
    userId: string,
    patch: UserPatch,
    expectedVersion: number | undefined,
  ): Promise<User> {
    return this.change(actorId, userId, patch, expectedVersion, (actor, target) => {
      if (actor.id !== target && actor.role !== 'admin') {
        throw CohortError.forbidden(`User ${actor.id} may not change user ${target}`);
      }
    });
  }

  private async adminOnly(
    actorId: string,
    userId: string,
    patch: UserPatch,
    expectedVersion: number | undefined,
  ): Promise<User> {
    return this.change(actorId, userId, patch, expectedVersion, (actor) => {
      if (actor.role !== 'admin') throw CohortError.forbidden(`Only an admin may do this; user ${actor.id} is not one`);
    });
  }

  private async change(
    actorId: string,
    userId: string,
    patch: UserPatch,
    expectedVersion: number | undefined,
    authorize: (actor: User, target: string) => void,
  ): Promise<User> {
    const actorKey = parseActorId(actorId);
    const target = parseId(userId, 'userId');
    const parsedPatch = parseUserPatch(patch);
    const version = expectedVersion === undefined ? undefined : parseExpectedVersion(expectedVersion);
    const actor = await this.lookup.activeActor(actorKey);
    authorize(actor, target);
    const user = actor.id === target ? actor : await this.lookup.existing(target);
    const unchanged = Object.entries(parsedPatch).every(
      ([key, value]) => value === undefined || user[key as keyof User] === value,
    );
    if (unchanged && (version === undefined || version === user.version)) return user;
    return this.users.update(target, parsedPatch, version ?? user.version);
  }
}
