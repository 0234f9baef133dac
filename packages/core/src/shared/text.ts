import { z } from 'zod';

// PostgreSQL text can hold neither U+0000 nor a lone UTF-16 surrogate, and DynamoDB would hold both: core
// rejects them everywhere so every store keeps the same strings.
const NO_NUL = /^[^\u0000]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Text every store can hold unchanged: no NUL, no unpaired surrogate. */
export const storableText = () =>
  z
    .string()
    .regex(NO_NUL, 'must not contain NUL characters')
    .refine((value) => !LONE_SURROGATE.test(value), 'must be well-formed UTF-16 (no lone surrogates)');

/** A trimmed string of `min`..`max` characters that every store can hold; every free-text field is one of these. */
export const text = (min: number, max: number) => z.string().trim().min(min).max(max).pipe(storableText());

/** Lower-case `[a-z0-9-]` identifiers such as community slugs and content tags. */
export const slug = (max: number) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .min(1)
    .max(max)
    .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'must be lower-case letters, digits and inner hyphens');

// Instants and days live in instant.ts; schemas import them from here with the other field builders.
export { dayOf, daySchema, instant } from './instant.js';

/** Whole non-negative counts such as memberCount. */
export const count = () => z.number().int().min(0);

/** Optimistic-concurrency versions start at 1 and only grow. */
export const version = () => z.number().int().min(1);
