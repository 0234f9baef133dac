import { TOKENS } from '@cohort/core';
import { startDynamo, startPostgres, type DynamoServer, type PostgresServer } from '@cohort/local-servers';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from '@cohort/wiring';
import { loadConfig } from '../src/config.js';
import { startPlatform } from '../src/composition-root.js';

describe('the platform service in the hybrid layout, on embedded PostgreSQL and DynamoDB Local', () => {
  let postgres: PostgresServer;
  let dynamo: DynamoServer;

  beforeAll(async () => {
    [postgres, dynamo] = await Promise.all([
      startPostgres({ log: () => undefined }),
      startDynamo({ log: () => undefined }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([postgres?.stop(), dynamo?.stop()]);
  });

  async function serviceConnections(): Promise<number> {
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      const result = await client.query<{ count: string }>(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'platform-service'",
      );
      return Number(result.rows[0]?.count);
    } finally {
      await client.end();
    }
  }

  it('puts each context where the configuration says, and closes its pool and client on shutdown', async () => {
    const config = loadConfig({
      DATABASE_URL: postgres.url,
      DATABASE_SCHEMA: `platform_${Date.now().toString(36)}`,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      DYNAMODB_TABLE: `platform-${Date.now().toString(36)}`,
      DYNAMODB_ENSURE_TABLE: 'true',
      AWS_REGION: dynamo.region,
    });
    const lines: string[] = [];
    const platform = await startPlatform(config, (line) => lines.push(line));
    expect(lines).toContain('activity: dynamo');
    expect(lines).toContain('users: postgres');

    const { services, container } = platform;
    const ada = await services.users.registerUser({ email: 'ada@example.com', displayName: 'Ada' });
    const community = await services.communities.createCommunity(ada.id, { slug: 'hybrid', name: 'Hybrid' });
    await services.posts.post(ada.id, community.id, 'Written to PostgreSQL, logged to DynamoDB.');

    expect(container.get<object>(TOKENS.UserRepository).constructor.name).toBe('PostgresUserRepository');
    expect(container.get<object>(TOKENS.PostRepository).constructor.name).toBe('PostgresPostRepository');
    const activity = resolve(container, TOKENS.ActivityLog);
    expect(activity.constructor.name).toBe('DynamoActivityLog');
    expect((await activity.listByActor(ada.id)).items.map((event) => event.verb)).toEqual([
      'posted',
      'created',
      'signed_up',
    ]);
    expect(await serviceConnections()).toBeGreaterThan(0);

    await platform.close();
    await platform.close();
    // A closed connection's backend leaves pg_stat_activity a moment later.
    await expect.poll(serviceConnections, { timeout: 5_000 }).toBe(0);
  });
});
