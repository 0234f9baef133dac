import { startDynamo } from '@cohort/local-servers';
import { afterEach, describe, expect, it } from 'vitest';

// The embedded path itself is exercised by the global setup of this package (one DynamoDB Local per run); these
// tests cover the choices around it without starting another JVM.
describe('startDynamo', () => {
  const saved = { endpoint: process.env['DYNAMODB_ENDPOINT'], path: process.env['PATH'] };

  afterEach(() => {
    if (saved.endpoint === undefined) delete process.env['DYNAMODB_ENDPOINT'];
    else process.env['DYNAMODB_ENDPOINT'] = saved.endpoint;
    process.env['PATH'] = saved.path;
  });

  it('uses DYNAMODB_ENDPOINT when set, says so in one line, and stops nothing', async () => {
    process.env['DYNAMODB_ENDPOINT'] = 'http://127.0.0.1:1';
    const lines: string[] = [];
    const server = await startDynamo({ log: (line) => lines.push(line) });
    expect(server).toMatchObject({ endpoint: 'http://127.0.0.1:1', kind: 'env', region: 'local' });
    expect(server.credentials).toEqual({ accessKeyId: 'cohort', secretAccessKey: 'cohort' });
    expect(lines).toEqual(['dynamo: using DYNAMODB_ENDPOINT (http://127.0.0.1:1)']);
    await server.stop();
  });

  it('refuses a real AWS endpoint even when given explicitly', async () => {
    process.env['DYNAMODB_ENDPOINT'] = 'https://dynamodb.eu-west-1.amazonaws.com';
    await expect(startDynamo({ log: () => undefined })).rejects.toThrow(/never run against real AWS/);
  });

  it('without Java (and no Docker), fails at once with one line that says what to install', async () => {
    delete process.env['DYNAMODB_ENDPOINT'];
    process.env['PATH'] = '/nonexistent';
    const started = Date.now();
    const failure = await startDynamo({ log: () => undefined, useDocker: false }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    const message = (failure as Error).message;
    expect(message).toContain('install Java 17+ (or set DYNAMODB_ENDPOINT / start Docker)');
    expect(message.split('\n')).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
