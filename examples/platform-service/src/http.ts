import type { IncomingMessage, ServerResponse } from 'node:http';
import { CohortError, type CohortErrorCode, type CohortServices } from '@cohort/core';

/** How each CohortError code reads over HTTP. */
const statusOf: Readonly<Record<CohortErrorCode, number>> = {
  VALIDATION: 400,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  CONCURRENCY: 409,
  UNAVAILABLE: 503,
  // Only the change feed answers it (a position past what the store keeps); no route reads the feed, but a service
  // that adds one must tell its client to start over from a new snapshot: the resource it asked for is gone.
  POSITION_LOST: 410,
};

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw CohortError.validation('The body is not JSON');
  }
}

/**
 * A few routes over the services, enough to show the shape: the service layer does validation and authorization,
 * the HTTP layer only maps CohortError codes to statuses. The acting user comes from `x-actor-id` (a real service
 * takes it from its authentication).
 */
export function createHandler(services: CohortServices) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://service');
    const actor = String(request.headers['x-actor-id'] ?? '');
    const route = `${request.method ?? 'GET'} ${url.pathname}`;
    try {
      let match: RegExpExecArray | null;
      if (route === 'GET /health') return send(response, 200, { status: 'ok' });
      if (route === 'POST /users') {
        return send(response, 201, await services.users.registerUser((await readJson(request)) as never));
      }
      if ((match = /^GET \/users\/([^/]+)$/.exec(route))) {
        const user = await services.users.getUser(decodeURIComponent(match[1]!));
        return user ? send(response, 200, user) : send(response, 404, { error: 'NOT_FOUND', message: 'No such user' });
      }
      if ((match = /^GET \/communities\/([^/]+)\/feed$/.exec(route))) {
        const cursor = url.searchParams.get('cursor');
        const page = await services.posts.readFeed(actor, decodeURIComponent(match[1]!), cursor ? { cursor } : {});
        return send(response, 200, page);
      }
      send(response, 404, { error: 'NOT_FOUND', message: `No route ${route}` });
    } catch (error) {
      if (CohortError.is(error)) {
        return send(response, statusOf[error.code], {
          error: error.code,
          message: error.message,
          issues: error.issues,
        });
      }
      send(response, 500, { error: 'INTERNAL', message: 'Internal error' });
    }
  };
}
