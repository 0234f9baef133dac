import { CohortError, type Page, type User } from '@cohort/core';
import { describe, expect, it } from 'vitest';
import type { ContractContext } from '../contract-context.js';
import { expectCohortError } from '../expect-cohort-error.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Every item of a list, page after page (the store may hold other tests' records too). */
async function everyItem<T>(fetch: (cursor: string | null) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await fetch(cursor);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return items;
}

export function usersContract(context: ContractContext): void {
  const { clock, fixtures } = context;
  const users = () => context.store().users;

  describe('UserRepository.create', () => {
    it('stores an active user at version 1 with both timestamps from the clock', async () => {
      const at = new Date('2026-05-04T10:20:30.456Z');
      clock.freeze(at);
      const email = fixtures.email();
      const user = await users().create({ email, displayName: 'Ada Lovelace', role: 'manager' });
      expect(user).toEqual({
        id: expect.stringMatching(UUID) as string,
        email,
        displayName: 'Ada Lovelace',
        role: 'manager',
        status: 'active',
        createdAt: at,
        updatedAt: at,
        version: 1,
      });
      expect(await users().getById(user.id)).toEqual(user);
    });

    it('defaults the role to learner', async () => {
      const user = await users().create({ email: fixtures.email(), displayName: 'Learner' });
      expect(user.role).toBe('learner');
      expect((await users().getById(user.id))?.role).toBe('learner');
    });

    it('lower-cases and trims the email and trims the display name', async () => {
      const email = fixtures.email();
      const user = await users().create({ email: `  ${email.toUpperCase()}\t`, displayName: '  Grace Hopper  ' });
      expect(user.email).toBe(email);
      expect(user.displayName).toBe('Grace Hopper');
      const stored = await users().getById(user.id);
      expect(stored?.email).toBe(email);
      expect(stored?.displayName).toBe('Grace Hopper');
    });

    it('gives every user a distinct id', async () => {
      const [a, b, c] = await Promise.all([fixtures.user(), fixtures.user(), fixtures.user()]);
      expect(new Set([a.id, b.id, c.id]).size).toBe(3);
    });

    it('rejects an email that is already taken with CONFLICT and leaves the owner unchanged', async () => {
      const owner = await fixtures.user({ displayName: 'Owner' });
      await expectCohortError(users().create({ email: owner.email, displayName: 'Intruder' }), 'CONFLICT');
      expect(await users().getById(owner.id)).toEqual(owner);
      expect(await users().findByEmail(owner.email)).toEqual(owner);
    });

    it('rejects an email taken in another letter case with CONFLICT', async () => {
      const owner = await fixtures.user();
      await expectCohortError(
        users().create({ email: ` ${owner.email.toUpperCase()} `, displayName: 'Shouting twin' }),
        'CONFLICT',
      );
      expect((await users().findByEmail(owner.email))?.id).toBe(owner.id);
    });

    it('keeps the email of a deactivated user taken', async () => {
      const owner = await fixtures.user();
      await users().update(owner.id, { status: 'deactivated' }, owner.version);
      await expectCohortError(users().create({ email: owner.email, displayName: 'Successor' }), 'CONFLICT');
    });

    it('lets only one of two simultaneous creates with the same email succeed', async () => {
      const email = fixtures.email();
      const outcomes = await Promise.allSettled([
        users().create({ email, displayName: 'First' }),
        users().create({ email: email.toUpperCase(), displayName: 'Second' }),
      ]);
      const created = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      const rejected = outcomes.filter((outcome) => outcome.status === 'rejected');
      expect(created).toHaveLength(1);
      expect(rejected).toHaveLength(1);
      const reason: unknown = (rejected[0] as PromiseRejectedResult).reason;
      expect(CohortError.is(reason, 'CONFLICT'), String(reason)).toBe(true);
      expect((await users().findByEmail(email))?.id).toBe((created[0] as PromiseFulfilledResult<User>).value.id);
    });
  });

  describe('UserRepository.getById', () => {
    it('returns the stored user', async () => {
      const user = await fixtures.user({ displayName: 'Stored', role: 'admin' });
      expect(await users().getById(user.id)).toEqual(user);
    });

    it('returns null for an id nobody has', async () => {
      expect(await users().getById(fixtures.id())).toBeNull();
    });

    it('accepts an id in upper case or with surrounding spaces (ids are normalized)', async () => {
      const user = await fixtures.user();
      expect(await users().getById(user.id.toUpperCase())).toEqual(user);
      expect(await users().getById(` ${user.id} `)).toEqual(user);
    });

    it('returns a copy: changing a returned user does not change the store', async () => {
      const user = await fixtures.user({ displayName: 'Original' });
      const createdMs = user.createdAt.getTime();
      const read = await users().getById(user.id);
      if (read === null) throw new Error('user vanished');
      read.displayName = 'Changed by the caller';
      read.createdAt.setTime(0);
      const again = await users().getById(user.id);
      expect(again?.displayName).toBe('Original');
      expect(again?.createdAt.getTime()).toBe(createdMs);
    });
  });

  describe('UserRepository.findByEmail', () => {
    it('finds a user by email in any letter case and with surrounding spaces', async () => {
      const user = await fixtures.user();
      expect(await users().findByEmail(user.email)).toEqual(user);
      expect(await users().findByEmail(user.email.toUpperCase())).toEqual(user);
      expect(await users().findByEmail(`  ${user.email}  `)).toEqual(user);
    });

    it('returns null when nobody has that email', async () => {
      expect(await users().findByEmail(fixtures.email())).toBeNull();
    });

    it('matches the whole email, not a prefix or suffix of it', async () => {
      const user = await fixtures.user();
      const [local, domain] = user.email.split('@') as [string, string];
      expect(await users().findByEmail(`${local.slice(0, -1)}@${domain}`)).toBeNull();
      expect(await users().findByEmail(`x${user.email}`)).toBeNull();
      expect(await users().findByEmail(`${local}@sub.${domain}`)).toBeNull();
    });
  });

  describe('UserRepository.update', () => {
    it('applies the patch, bumps the version and takes updatedAt from the clock', async () => {
      const createdAt = new Date('2026-02-01T08:00:00.000Z');
      clock.freeze(createdAt);
      const user = await fixtures.user({ displayName: 'Before', role: 'learner' });
      clock.advance(90_000);
      const updated = await users().update(user.id, { displayName: '  After  ', role: 'admin' }, 1);
      expect(updated).toEqual({
        ...user,
        displayName: 'After',
        role: 'admin',
        updatedAt: new Date(createdAt.getTime() + 90_000),
        version: 2,
      });
      expect(await users().getById(user.id)).toEqual(updated);
    });

    it('leaves fields the patch does not name as they were', async () => {
      const user = await fixtures.user({ displayName: 'Kept', role: 'manager' });
      const updated = await users().update(user.id, { status: 'deactivated' }, user.version);
      expect(updated.displayName).toBe('Kept');
      expect(updated.role).toBe('manager');
      expect(updated.email).toBe(user.email);
      expect(updated.status).toBe('deactivated');
    });

    it('bumps the version and updatedAt for an empty patch', async () => {
      clock.freeze(new Date('2026-02-02T00:00:00.000Z'));
      const user = await fixtures.user();
      clock.advance(1);
      const updated = await users().update(user.id, {}, user.version);
      expect(updated).toEqual({ ...user, version: 2, updatedAt: new Date('2026-02-02T00:00:00.001Z') });
      expect(await users().getById(user.id)).toEqual(updated);
    });

    it('moves through successive versions', async () => {
      const user = await fixtures.user();
      const v2 = await users().update(user.id, { displayName: 'Two' }, 1);
      const v3 = await users().update(user.id, { displayName: 'Three' }, v2.version);
      expect(v3.version).toBe(3);
      expect((await users().getById(user.id))?.displayName).toBe('Three');
    });

    it('fails with NOT_FOUND for an unknown id', async () => {
      await expectCohortError(users().update(fixtures.id(), { displayName: 'Ghost' }, 1), 'NOT_FOUND');
    });

    it('fails with CONCURRENCY for a stale version and keeps the stored user', async () => {
      const user = await fixtures.user();
      const current = await users().update(user.id, { displayName: 'Winner' }, 1);
      await expectCohortError(users().update(user.id, { displayName: 'Loser' }, 1), 'CONCURRENCY');
      expect(await users().getById(user.id)).toEqual(current);
    });

    it('fails with CONCURRENCY for a version the user has not reached yet', async () => {
      const user = await fixtures.user();
      await expectCohortError(users().update(user.id, { displayName: 'Future' }, 7), 'CONCURRENCY');
      expect(await users().getById(user.id)).toEqual(user);
    });

    it('changes the email, normalized, and finds the user by the new email', async () => {
      const user = await fixtures.user();
      const email = fixtures.email();
      const updated = await users().update(user.id, { email: ` ${email.toUpperCase()} ` }, user.version);
      expect(updated.email).toBe(email);
      expect((await users().findByEmail(email))?.id).toBe(user.id);
      expect(await users().findByEmail(user.email)).toBeNull();
    });

    it('frees the old email after an email change', async () => {
      const user = await fixtures.user();
      await users().update(user.id, { email: fixtures.email() }, user.version);
      const successor = await users().create({ email: user.email, displayName: 'Successor' });
      expect((await users().findByEmail(user.email))?.id).toBe(successor.id);
    });

    it('fails with CONFLICT when the new email belongs to another user, in any case, and changes nothing', async () => {
      const owner = await fixtures.user();
      const other = await fixtures.user();
      await expectCohortError(users().update(other.id, { email: owner.email.toUpperCase() }, 1), 'CONFLICT');
      expect(await users().getById(other.id)).toEqual(other);
      expect((await users().findByEmail(other.email))?.id).toBe(other.id);
      expect((await users().findByEmail(owner.email))?.id).toBe(owner.id);
    });

    it('accepts the user’s own email in another letter case', async () => {
      const user = await fixtures.user();
      const updated = await users().update(user.id, { email: user.email.toUpperCase() }, user.version);
      expect(updated.email).toBe(user.email);
      expect(updated.version).toBe(2);
      expect((await users().findByEmail(user.email))?.id).toBe(user.id);
    });

    it('checks NOT_FOUND before CONCURRENCY', async () => {
      await expectCohortError(users().update(fixtures.id(), {}, 99), 'NOT_FOUND');
    });
  });

  describe('UserRepository.list', () => {
    it('contains created users in id (creation) order, each once, as stored', async () => {
      const first = await fixtures.user();
      const second = await fixtures.user();
      const third = await fixtures.user();
      const updated = await users().update(second.id, { displayName: 'Updated' }, second.version);
      const all = await everyItem((cursor) => users().list({ cursor, limit: 100 }));
      const ids = all.map((user) => user.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual([...ids].sort());
      const mine = all.filter((user) => [first.id, second.id, third.id].includes(user.id));
      expect(mine).toEqual([first, updated, third]);
    });

    it('returns the same users whatever the page size', async () => {
      const created = [await fixtures.user(), await fixtures.user(), await fixtures.user()];
      const createdIds = created.map((user) => user.id);
      const bySeven = await everyItem((cursor) => users().list({ cursor, limit: 7 }));
      expect(bySeven.filter((user) => createdIds.includes(user.id)).map((user) => user.id)).toEqual(createdIds);
    });
  });
}
