// Node's socket error codes that mean a store is down, unreachable or went away. Both adapters read them (PostgreSQL
// to report UNAVAILABLE, DynamoDB to retry before it does), so the list lives once, here. Core only reads a property:
// it does no I/O of its own.
const networkErrorCodes: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
]);

/** True when `error` carries a socket error code meaning the store could not be reached or dropped the connection. */
export function isNetworkError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && networkErrorCodes.has(String(error.code));
}
