import { newId } from '@cohort/core';
import { describe, expect, it } from 'vitest';
import { expectCohortError } from '../../src/contract/expect-cohort-error.js';
import { T0, createHarness } from './service-harness.js';

describe('UserService.registerUser', () => {
  it('creates an active, normalized user and records signed_up by that user', async () => {
    const h = createHarness();
    const user = await h.services.users.registerUser({ email: ' Ada@Example.COM ', displayName: ' Ada ' });
    expect(user).toMatchObject({ email: 'ada@example.com', displayName: 'Ada', role: 'learner', status: 'active' });
    expect(await h.activityOf(user.id)).toEqual([
      {
        actorId: user.id,
        verb: 'signed_up',
        object: { type: 'user', id: user.id },
        occurredAt: T0,
        metadata: { role: 'learner' },
      },
    ]);
  });

  it('is CONFLICT for a taken email in any letter case, and records nothing', async () => {
    const h = createHarness();
    const first = await h.services.users.registerUser({ email: 'bo@example.com', displayName: 'Bo' });
    await expectCohortError(h.services.users.registerUser({ email: 'BO@example.com', displayName: 'B' }), 'CONFLICT');
    expect(await h.activityOf(first.id)).toHaveLength(1);
  });

  it('is VALIDATION for bad input, before any write', async () => {
    const h = createHarness();
    await expectCohortError(h.services.users.registerUser({ email: 'nope', displayName: 'x' }), 'VALIDATION');
    await expectCohortError(h.services.users.registerUser({ email: 'a@b.co', displayName: 'x\u0000' }), 'VALIDATION');
    await expectCohortError(h.services.users.registerUser(null as never), 'VALIDATION');
    expect((await h.store.users.list()).items).toEqual([]);
  });
});

describe('UserService account changes', () => {
  it('lets users change their own email and name, and records nothing', async () => {
    const h = createHarness();
    const ada = await h.user();
    const renamed = await h.services.users.changeDisplayName(ada.id, ada.id, ' Ada L. ');
    const moved = await h.services.users.changeEmail(ada.id, ada.id, 'ADA@new.example.com');
    expect(moved).toMatchObject({ displayName: 'Ada L.', email: 'ada@new.example.com', version: renamed.version + 1 });
    expect(await h.activityOf(ada.id)).toEqual([]);
  });

  it('forbids changing someone else unless an admin', async () => {
    const h = createHarness();
    const [ada, bo, admin] = [await h.user(), await h.user(), await h.user('admin')];
    await expectCohortError(h.services.users.changeEmail(bo.id, ada.id, 'x@example.com'), 'FORBIDDEN');
    await expectCohortError(h.services.users.deactivateUser(bo.id, ada.id), 'FORBIDDEN');
    expect((await h.services.users.changeEmail(admin.id, ada.id, 'x@example.com')).email).toBe('x@example.com');
  });

  it('is CONFLICT when the email is taken and CONCURRENCY for a stale expectedVersion', async () => {
    const h = createHarness();
    const [ada, bo] = [await h.user(), await h.user()];
    await expectCohortError(h.services.users.changeEmail(ada.id, ada.id, bo.email.toUpperCase()), 'CONFLICT');
    await h.services.users.changeDisplayName(ada.id, ada.id, 'Ada 2');
    await expectCohortError(h.services.users.changeDisplayName(ada.id, ada.id, 'Ada 3', ada.version), 'CONCURRENCY');
  });

  it('lets only admins change roles and reactivate', async () => {
    const h = createHarness();
    const [ada, manager, admin] = [await h.user(), await h.user('manager'), await h.user('admin')];
    await expectCohortError(h.services.users.changeRole(ada.id, ada.id, 'admin'), 'FORBIDDEN');
    await expectCohortError(h.services.users.changeRole(manager.id, ada.id, 'manager'), 'FORBIDDEN');
    await expectCohortError(h.services.users.changeRole(admin.id, ada.id, 'root' as never), 'VALIDATION');
    expect((await h.services.users.changeRole(admin.id, ada.id, 'manager')).role).toBe('manager');

    await h.services.users.deactivateUser(ada.id, ada.id);
    await expectCohortError(h.services.users.reactivateUser(manager.id, ada.id), 'FORBIDDEN');
    expect((await h.services.users.reactivateUser(admin.id, ada.id)).status).toBe('active');
  });

  it('deactivates idempotently, and a deactivated user can no longer act', async () => {
    const h = createHarness();
    const ada = await h.user();
    const deactivated = await h.services.users.deactivateUser(ada.id, ada.id);
    expect(deactivated).toMatchObject({ status: 'deactivated', version: 2 });
    const admin = await h.user('admin');
    expect(await h.services.users.deactivateUser(admin.id, ada.id)).toEqual(deactivated);
    await expectCohortError(h.services.users.changeDisplayName(ada.id, ada.id, 'Back'), 'FORBIDDEN');
    await expectCohortError(h.services.users.listUsers(ada.id), 'FORBIDDEN');
  });

  it('is NOT_FOUND for an unknown actor or target and VALIDATION for malformed ids', async () => {
    const h = createHarness();
    const [ada, admin] = [await h.user(), await h.user('admin')];
    await expectCohortError(h.services.users.changeEmail(newId(), ada.id, 'z@example.com'), 'NOT_FOUND');
    await expectCohortError(h.services.users.changeEmail(admin.id, newId(), 'z@example.com'), 'NOT_FOUND');
    await expectCohortError(h.services.users.changeEmail('me', ada.id, 'z@example.com'), 'VALIDATION');
    await expectCohortError(h.services.users.getUser('nope'), 'VALIDATION');
    expect(await h.services.users.getUser(newId())).toBeNull();
  });

  it('lists users in creation order for any active user', async () => {
    const h = createHarness();
    const [ada, bo, cy] = [await h.user(), await h.user(), await h.user()];
    const first = await h.services.users.listUsers(bo.id, { limit: 2 });
    expect(first.items.map((user) => user.id)).toEqual([ada.id, bo.id]);
    const second = await h.services.users.listUsers(bo.id, { limit: 2, cursor: first.nextCursor });
    expect(second).toEqual({ items: [cy], nextCursor: null });
  });
});
