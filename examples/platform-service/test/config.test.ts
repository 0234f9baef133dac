import { describe, expect, it } from 'vitest';
import { defaultStores, loadConfig } from '../src/config.js';

const DATABASE_URL = 'postgres://service:secret@db.internal:5432/platform';

describe('loadConfig', () => {
  it('defaults to the hybrid layout: everything on PostgreSQL but activity on DynamoDB', () => {
    const config = loadConfig({ DATABASE_URL });
    expect(config.stores).toEqual(defaultStores);
    expect(config.stores.activity).toBe('dynamo');
    expect(config.postgres).toEqual({ url: DATABASE_URL, poolSize: 10, migrate: true });
    expect(config.dynamo).toEqual({ region: 'us-east-1', tableName: 'cohort', ensureTable: false });
    expect(config.port).toBe(3000);
  });

  it('moves a context to another store with one variable', () => {
    const config = loadConfig({ DATABASE_URL, COHORT_ACTIVITY_STORE: 'postgres' });
    expect(Object.values(config.stores)).toEqual(['postgres', 'postgres', 'postgres', 'postgres', 'postgres']);
    expect(config.dynamo).toBeUndefined();
  });

  it('needs no database when every context is in memory', () => {
    const stores = { COHORT_USERS_STORE: 'memory', COHORT_CONTENT_STORE: 'memory', COHORT_EVENTS_STORE: 'memory' };
    const config = loadConfig({ ...stores, COHORT_COMMUNITY_STORE: 'memory', COHORT_ACTIVITY_STORE: 'memory' });
    expect(config.postgres).toBeUndefined();
    expect(config.dynamo).toBeUndefined();
  });

  it('uses dummy credentials for an emulator endpoint only when the environment has none', () => {
    const local = loadConfig({
      DATABASE_URL,
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
      DYNAMODB_ENSURE_TABLE: 'true',
    });
    expect(local.dynamo).toMatchObject({ endpoint: 'http://127.0.0.1:8000', ensureTable: true, credentials: {} });
    const real = loadConfig({ DATABASE_URL, DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000', AWS_ACCESS_KEY_ID: 'AKIA' });
    expect(real.dynamo?.credentials).toBeUndefined();
  });

  it('fails naming each bad variable', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://db/platform', COHORT_EVENTS_STORE: 'oracle', PORT: 'x' })).toThrow(
      /^Invalid configuration: PORT .*; COHORT_EVENTS_STORE .*; DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL$/,
    );
  });

  it('asks for DATABASE_URL when a context is on PostgreSQL', () => {
    expect(() => loadConfig({})).toThrow(
      'Invalid configuration: DATABASE_URL is required (users, content, events, community on postgres)',
    );
  });
});
