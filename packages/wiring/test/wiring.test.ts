import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoModule } from '@cohort/adapters-dynamo';
import { createPostgresDataSource, postgresModule } from '@cohort/adapters-postgres';
import { TOKENS, type PortName } from '@cohort/core';
import { createMemoryStore, memoryModule } from '@cohort/adapters-memory';
import { TestClock } from '@cohort/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Container,
  createCohortContainer,
  portNames,
  portTokens,
  portsOf,
  recordSetsOf,
  servicesModule,
  servicesOf,
  storeModule,
  verifyWiring,
} from '../src/index.js';

const allBut = (...left: PortName[]) => portNames.filter((port) => !left.includes(port));

describe('verifyWiring', () => {
  it('fails at start-up naming a port left unbound', async () => {
    const start = createCohortContainer(servicesModule(), memoryModule({ ports: allBut('activity') }));
    await expect(start).rejects.toThrow(
      'Cohort wiring: port ActivityLog is not bound (bind it with postgresModule, dynamoModule or memoryModule)',
    );
  });

  it('names every unbound port in one message', async () => {
    const start = createCohortContainer(servicesModule(), memoryModule({ ports: allBut('events', 'posts') }));
    await expect(start).rejects.toThrow('ports EventRepository and PostRepository are not bound');
  });

  it('fails when nothing is bound at all, before any request', () => {
    expect(() => verifyWiring(new Container())).toThrow(/^Cohort wiring: ports UserRepository, .* are not bound/);
  });

  it('fails naming a port bound to two stores', async () => {
    const start = createCohortContainer(servicesModule(), memoryModule(), memoryModule({ ports: ['activity'] }));
    await expect(start).rejects.toThrow(
      'Cohort wiring: port ActivityLog is bound 2 times (MemoryActivityLog, MemoryActivityLog)',
    );
  });

  it('fails when the ports of one context come from different stores', async () => {
    const start = createCohortContainer(
      memoryModule({ ports: allBut('enrollments') }),
      memoryModule({ ports: ['enrollments'] }),
    );
    await expect(start).rejects.toThrow(
      'the content context is split across stores (ContentRepository, EnrollmentRepository)',
    );
  });

  it('fails when servicesModule is loaded twice', async () => {
    await expect(createCohortContainer(servicesModule(), servicesModule(), memoryModule())).rejects.toThrow(
      'Cohort wiring: Clock is bound 2 times',
    );
  });

  it('accepts ports without services (a migration tool needs only the stores)', async () => {
    const container = await createCohortContainer(memoryModule());
    expect(container.isBound(TOKENS.UserService)).toBe(false);
  });

  it('rejects an unknown port name when the module is made', () => {
    expect(() => memoryModule({ ports: ['user' as PortName] })).toThrow('memoryModule got an unknown port user');
    expect(() => storeModule(createMemoryStore(), { ports: ['users', 'users'] })).toThrow('port UserRepository twice');
  });
});

describe('hybrid wiring', () => {
  const dataSource = createPostgresDataSource({ url: 'postgres://cohort@127.0.0.1:1/never-connected' });
  const low = new DynamoDBClient({
    endpoint: 'http://127.0.0.1:1',
    region: 'local',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  afterAll(() => low.destroy());

  it('resolves each port to the store chosen for its context (activity on DynamoDB, the rest on PostgreSQL)', async () => {
    const container = await createCohortContainer(
      servicesModule(),
      postgresModule({ dataSource, ports: portsOf('users', 'content', 'events', 'community') }),
      dynamoModule({ client: DynamoDBDocumentClient.from(low), tableName: 'cohort', ports: portsOf('activity') }),
    );
    const implementations = Object.fromEntries(
      portNames.map((port) => [port, container.get<object>(portTokens[port]).constructor.name]),
    );
    expect(implementations).toEqual({
      users: 'PostgresUserRepository',
      contents: 'PostgresContentRepository',
      enrollments: 'PostgresEnrollmentRepository',
      events: 'PostgresEventRepository',
      communities: 'PostgresCommunityRepository',
      memberships: 'PostgresMembershipRepository',
      posts: 'PostgresPostRepository',
      activity: 'DynamoActivityLog',
    });
    const recordSets = recordSetsOf(container);
    expect(recordSets.activity.constructor.name).toBe('DynamoActivityRecordSet');
    expect(recordSets.activityCounts.constructor.name).toBe('DynamoActivityCountRecordSet');
    expect(recordSets.users.constructor.name).not.toMatch(/^Dynamo/);
  });

  it('runs the services over two stores: what a context writes lands in the store bound to it', async () => {
    const clock = new TestClock();
    clock.freeze(new Date('2026-06-01T09:00:00.000Z'));
    const relational = createMemoryStore({ clock });
    const firehose = createMemoryStore({ clock });
    const container = await createCohortContainer(
      servicesModule({ clock }),
      memoryModule({ store: relational, ports: portsOf('users', 'content', 'events', 'community') }),
      memoryModule({ store: firehose, ports: portsOf('activity') }),
    );
    const services = servicesOf(container);
    const ada = await services.users.registerUser({ email: 'ada@example.com', displayName: 'Ada' });

    expect(await relational.users.getById(ada.id)).toEqual(ada);
    expect(await firehose.users.getById(ada.id)).toBeNull();
    expect((await firehose.activity.listByActor(ada.id)).items.map((event) => event.verb)).toEqual(['signed_up']);
    expect((await relational.activity.listByActor(ada.id)).items).toEqual([]);
    expect(await recordSetsOf(container).users.count()).toBe(1);
    expect(await recordSetsOf(container).activity.count()).toBe(1);
    expect(container.get(TOKENS.Clock)).toBe(clock);
    expect(servicesOf(container).users).toBe(services.users);
  });
});
