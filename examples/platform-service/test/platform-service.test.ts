import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startPlatform, type Platform } from '../src/composition-root.js';
import { createHandler } from '../src/http.js';

const inMemory = {
  COHORT_USERS_STORE: 'memory',
  COHORT_CONTENT_STORE: 'memory',
  COHORT_EVENTS_STORE: 'memory',
  COHORT_COMMUNITY_STORE: 'memory',
  COHORT_ACTIVITY_STORE: 'memory',
};

describe('the platform service on in-memory stores', () => {
  let platform: Platform;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    platform = await startPlatform(loadConfig(inMemory));
    const handler = createHandler(platform.services);
    server = createServer((request, response) => void handler(request, response)).listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.close();
    await platform.close();
  });

  const post = (path: string, body: unknown) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });

  it('serves the use cases and maps CohortError codes to HTTP statuses', async () => {
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const created = await post('/users', { email: 'Ada@Example.com', displayName: 'Ada' });
    expect(created.status).toBe(201);
    const ada = (await created.json()) as { id: string; email: string };
    expect(ada.email).toBe('ada@example.com');
    expect(((await (await fetch(`${base}/users/${ada.id}`)).json()) as { id: string }).id).toBe(ada.id);
    expect((await post('/users', { email: 'ada@example.com', displayName: 'Again' })).status).toBe(409);
    expect((await post('/users', { email: 'not an email', displayName: 'X' })).status).toBe(400);
    expect((await fetch(`${base}/users/not-an-id`)).status).toBe(400);

    const { services } = platform;
    const community = await services.communities.createCommunity(ada.id, {
      slug: 'inner',
      name: 'Inner',
      visibility: 'private',
    });
    const outsider = await services.users.registerUser({ email: 'eve@example.com', displayName: 'Eve' });
    const feed = (actor: string) =>
      fetch(`${base}/communities/${community.id}/feed`, { headers: { 'x-actor-id': actor } });
    expect((await feed(ada.id)).status).toBe(200);
    expect((await feed(outsider.id)).status).toBe(403);
  });
});

// tsx compiles the sources with this config (legacy decorators for the PostgreSQL adapter's entities), as `npm start` does.
const runConfig = fileURLToPath(new URL('../tsconfig.run.json', import.meta.url));

describe('platform-service main', () => {
  it('starts from the environment and shuts down gracefully on SIGTERM', async () => {
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--conditions=@cohort/source', '--import', 'tsx', main], {
      env: {
        ...process.env,
        ...inMemory,
        PORT: '0',
        NODE_OPTIONS: '',
        TSX_TSCONFIG_PATH: runConfig,
      },
      stdio: 'pipe',
    });
    let output = '';
    let signalled = false;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      // Once: a second SIGTERM means "stop waiting" (exit 1), and a busy machine can deliver the next chunk first.
      if (!signalled && output.includes('listening on')) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(output, output).toContain('[platform-service] activity: memory');
    expect(output, output).toContain('[platform-service] SIGTERM: shutting down');
    expect(output).toContain('[platform-service] stopped');
    expect(code).toBe(0);
  });

  it('fails in one line when the configuration is wrong', async () => {
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--conditions=@cohort/source', '--import', 'tsx', main], {
      env: {
        ...process.env,
        DATABASE_URL: '',
        COHORT_ACTIVITY_STORE: 'cassandra',
        NODE_OPTIONS: '',
        TSX_TSCONFIG_PATH: runConfig,
      },
      stdio: 'pipe',
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(stderr.trim().split('\n'), stderr).toHaveLength(1);
    expect(stderr).toContain('COHORT_ACTIVITY_STORE');
  });
});
