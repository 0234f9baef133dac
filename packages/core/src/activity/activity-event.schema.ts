import { z } from 'zod';
import { idSchema } from '../shared/ids.js';
import { isPlainObject } from '../shared/validation.js';
import { count, daySchema, instant, storableText, text } from '../shared/text.js';
import { textLimits } from '../shared/text-limits.js';

export const activityVerbs = [
  'signed_up',
  'signed_in',
  'viewed',
  'published',
  'enrolled',
  'progressed',
  'completed',
  'registered',
  'waitlisted',
  'cancelled',
  'attended',
  'created',
  'joined',
  'left',
  'posted',
  'commented',
  'reacted',
  'removed',
] as const;
export type ActivityVerb = (typeof activityVerbs)[number];

export const activityObjectTypes = ['user', 'content', 'event', 'community', 'post', 'comment'] as const;

export const MAX_METADATA_BYTES = 2048;
export const MAX_APPEND_BATCH = 1000;

// Keys that would reach Object.prototype if a consumer merged metadata into a plain object. zod's record skips
// `__proto__` silently, so they are refused on the raw input, before the record parses it.
const POLLUTING_KEYS = ['__proto__', 'constructor', 'prototype'];

const metadataRecordSchema = z
  .record(
    z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_.-]+$/, 'metadata keys are letters, digits, _ . -'),
    z.union([z.string().max(MAX_METADATA_BYTES).pipe(storableText()), z.number().finite(), z.boolean()]),
  )
  .refine((metadata) => new TextEncoder().encode(JSON.stringify(metadata)).length <= MAX_METADATA_BYTES, {
    message: `metadata must be at most ${MAX_METADATA_BYTES} bytes as JSON`,
  });

const metadataSchema = z
  .custom<Record<string, unknown>>(isPlainObject, { message: 'metadata must be a plain object' })
  .superRefine((raw, ctx) => {
    for (const key of POLLUTING_KEYS.filter((candidate) => Object.hasOwn(raw, candidate))) {
      ctx.addIssue({ code: 'custom', path: [key], message: `metadata key ${key} is not allowed` });
    }
  })
  .pipe(metadataRecordSchema);

export const activityObjectSchema = z
  .object({ type: z.enum(activityObjectTypes), id: text(...textLimits.activity.objectId) })
  .strict();
export type ActivityObject = z.infer<typeof activityObjectSchema>;

export const activityEventSchema = z
  .object({
    id: idSchema,
    actorId: idSchema,
    verb: z.enum(activityVerbs),
    object: activityObjectSchema,
    occurredAt: instant(),
    metadata: metadataSchema,
  })
  .strict();
export type ActivityEvent = z.infer<typeof activityEventSchema>;

/** What callers append: `id` (for idempotent retries) and `occurredAt` default to a new id and the clock's now. */
export const newActivityEventSchema = z
  .object({
    id: idSchema.optional(),
    actorId: idSchema,
    verb: z.enum(activityVerbs),
    object: activityObjectSchema,
    occurredAt: instant().optional(),
    metadata: metadataSchema.default({}),
  })
  .strict();
export type NewActivityEvent = z.input<typeof newActivityEventSchema>;

export const activityRangeSchema = z
  .object({ from: instant().optional(), to: instant().optional() })
  .strict()
  .refine((range) => !range.from || !range.to || range.from.getTime() <= range.to.getTime(), {
    message: 'from must not be after to',
    path: ['to'],
  });
/** `from` is inclusive, `to` exclusive; either may be left open. */
export type ActivityRange = z.input<typeof activityRangeSchema>;

export const MAX_DAILY_COUNT_DAYS = 366;

export const dailyCountsQuerySchema = z
  .object({ from: daySchema, to: daySchema, verb: z.enum(activityVerbs).optional() })
  .strict()
  .refine((query) => query.from <= query.to, { message: 'from must not be after to', path: ['to'] })
  .refine(
    (query) =>
      Date.parse(`${query.to}T00:00:00Z`) - Date.parse(`${query.from}T00:00:00Z`) < MAX_DAILY_COUNT_DAYS * 86_400_000,
    { message: `a range covers at most ${MAX_DAILY_COUNT_DAYS} days`, path: ['to'] },
  );
/** UTC days `from` through `to`, both inclusive. */
export type DailyCountsQuery = z.input<typeof dailyCountsQuerySchema>;

/** How many events of one verb occurred on one UTC day: a counter maintained at append time. */
export const dailyCountSchema = z.object({ day: daySchema, verb: z.enum(activityVerbs), count: count() }).strict();
export type DailyCount = z.infer<typeof dailyCountSchema>;

/** What an append did: events stored now, and events skipped because their id was already stored. */
export interface AppendResult {
  readonly appended: number;
  readonly duplicates: number;
}
