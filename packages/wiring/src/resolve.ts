import type { Token } from '@cohort/core';
import type { Container } from 'inversify';

/**
 * `container.get` typed by core's token: `resolve(container, TOKENS.ActivityLog)` is an `ActivityLog` (inversify cannot
 * read the type a bare symbol stands for).
 */
export function resolve<T>(container: Container, token: Token<T>): T {
  return container.get<T>(token);
}
