import { startDynamo, startPostgres, type DynamoServer, type PostgresServer } from '@cohort/local-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo, type DemoOutcome, type WiringName } from '../src/index.js';
import { Progress } from '../src/progress.js';
import { expectDemoOutcome } from './expect-outcome.js';

const quiet = new Progress(process.stderr, true);
const run = (wiring: WiringName, env: NodeJS.ProcessEnv) =>
  runDemo({ wiring, write: () => undefined, progress: quiet, env });

describe('cohort demo on real stores', () => {
  let reference: DemoOutcome;

  beforeAll(async () => {
    reference = await run('memory', {});
  });

  it('hybrid: starts embedded PostgreSQL and DynamoDB Local itself, and the day comes out as on memory', async () => {
    const outcome = await run('hybrid', {});
    expectDemoOutcome(outcome);
    expect(outcome).toEqual(reference);
  });

  describe('on servers named by DATABASE_URL and DYNAMODB_ENDPOINT', () => {
    let postgres: PostgresServer;
    let dynamo: DynamoServer;
    let env: NodeJS.ProcessEnv;

    beforeAll(async () => {
      [postgres, dynamo] = await Promise.all([
        startPostgres({ log: () => undefined, useEnv: false }),
        startDynamo({ log: () => undefined, useEnv: false }),
      ]);
      env = { DATABASE_URL: postgres.url, DYNAMODB_ENDPOINT: dynamo.endpoint };
    });
    afterAll(async () => {
      await Promise.all([postgres?.stop(), dynamo?.stop()]);
    });

    it.each<WiringName>(['postgres', 'dynamo', 'hybrid'])(
      '%s: the same outcome, in a schema and table of its own that are gone afterwards',
      async (wiring) => {
        const outcome = await run(wiring, env);
        expect(outcome).toEqual(reference);
        const { default: pg } = await import('pg');
        const client = new pg.Client({ connectionString: postgres.url });
        await client.connect();
        try {
          const schemas = await client.query<{ name: string }>(
            "SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE 'cohort_demo_%'",
          );
          expect(schemas.rows).toEqual([]);
        } finally {
          await client.end();
        }
        const { DynamoDBClient, ListTablesCommand } = await import('@aws-sdk/client-dynamodb');
        const low = new DynamoDBClient({
          endpoint: dynamo.endpoint,
          region: dynamo.region,
          credentials: dynamo.credentials,
        });
        try {
          const tables = await low.send(new ListTablesCommand({}));
          expect(tables.TableNames?.filter((name) => name.startsWith('cohort-demo-'))).toEqual([]);
        } finally {
          low.destroy();
        }
      },
    );
  });
});
