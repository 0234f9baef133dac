import { createServer } from 'node:http';
import { once } from 'node:events';
import { loadConfig } from './config.js';
import { startPlatform } from './composition-root.js';
import { createHandler } from './http.js';

// Start-up: configuration, stores, wiring check, then the server. Any failure is one line and exit code 1.
const log = (line: string) => console.log(`[platform-service] ${line}`);
try {
  const config = loadConfig(process.env);
  const platform = await startPlatform(config, log);
  const handler = createHandler(platform.services);
  const server = createServer((request, response) => void handler(request, response));
  server.listen(config.port);
  await once(server, 'listening').catch(async (error: unknown) => {
    await platform.close();
    throw error;
  });

  // Graceful shutdown: stop taking requests, let those in flight finish, then close pools and clients.
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return process.exit(1); // a second signal: stop waiting
    stopping = true;
    log(`${signal}: shutting down`);
    const deadline = setTimeout(() => process.exit(1), 10_000).unref();
    server.close(() => {
      void platform.close().then(
        () => {
          clearTimeout(deadline);
          log('stopped');
        },
        (error: unknown) => {
          console.error(
            `[platform-service] shutdown failed: ${error instanceof Error ? error.message : String(error)}`,
          );
          process.exitCode = 1;
        },
      );
    });
    server.closeIdleConnections();
  };
  // `on`, not `once`: a listener must stay registered while shutting down, or a loader such as tsx exits at once.
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  // Announced only now: a supervisor may signal as soon as it reads this line, and a SIGTERM that arrived before the
  // handlers were registered would kill the process without a graceful shutdown.
  log(`listening on ${JSON.stringify(server.address())}`);
} catch (error) {
  console.error(`[platform-service] ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
