import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DEFAULT_TIMEOUT_MS } from './shared/deadline.js';

/** The most a single connection attempt may take by default (a DynamoDB endpoint answers a connect in milliseconds). */
const DEFAULT_CONNECTION_TIMEOUT_MS = 3_000;

export interface DynamoClientOptions {
  /** The endpoint, e.g. `http://127.0.0.1:8000` for DynamoDB Local; default: the region's AWS endpoint. */
  readonly endpoint?: string;
  /** The AWS region (DynamoDB Local accepts any, e.g. `local`). */
  readonly region: string;
  /** Credentials; default: the SDK's provider chain (environment, profile, instance role). */
  readonly credentials?: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  };
  /**
   * The store's deadline (`createDynamoStore`'s `timeoutMs`, default 10,000 ms): no request outlives it, so a
   * connection that stopped answering is destroyed rather than left hanging.
   */
  readonly timeoutMs?: number;
  /** How long one request (send to last byte of the answer) may take; default `timeoutMs`. */
  readonly requestTimeoutMs?: number;
  /** How long opening one connection may take; default the smaller of 3,000 ms and `timeoutMs`. */
  readonly connectionTimeoutMs?: number;
  /** Attempts the SDK itself makes per request (default: the SDK's, 3); the adapter's retries come on top, within the deadline. */
  readonly maxAttempts?: number;
}

/**
 * A DynamoDB client whose requests time out: the SDK's default HTTP handler has no request or connection timeout,
 * so a request to a server that stopped answering waits forever. The store's deadline ends the call either way;
 * these timeouts also free the connection. Wrap it with `DynamoDBDocumentClient.from` for the store; the caller owns
 * it (`destroy()` it at shutdown: destroying the document client does not).
 */
export function createDynamoClient(options: DynamoClientOptions): DynamoDBClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new DynamoDBClient({
    region: options.region,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
    requestHandler: new NodeHttpHandler({
      requestTimeout: options.requestTimeoutMs ?? timeoutMs,
      connectionTimeout: options.connectionTimeoutMs ?? Math.min(DEFAULT_CONNECTION_TIMEOUT_MS, timeoutMs),
      // Without it the request timeout only logs a warning (@smithy/node-http-handler 4.x).
      throwOnRequestTimeout: true,
    }),
  });
}
