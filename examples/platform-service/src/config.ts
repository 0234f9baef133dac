import { contextNames, type ContextName } from '@cohort/wiring';
import { z } from 'zod';

export const storeKinds = ['postgres', 'dynamo', 'memory'] as const;
export type StoreKind = (typeof storeKinds)[number];

/** The first case study's layout: the relational contexts on PostgreSQL, the activity firehose on DynamoDB. */
export const defaultStores: Readonly<Record<ContextName, StoreKind>> = {
  users: 'postgres',
  content: 'postgres',
  events: 'postgres',
  community: 'postgres',
  activity: 'dynamo',
};

/** The environment variable that picks the store of a context, e.g. `COHORT_ACTIVITY_STORE=dynamo`. */
export const storeVariable = (context: ContextName) => `COHORT_${context.toUpperCase()}_STORE`;

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  ...Object.fromEntries(contextNames.map((context) => [storeVariable(context), z.enum(storeKinds).optional()])),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional(),
  DATABASE_SCHEMA: z.string().min(1).optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  DYNAMODB_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  DYNAMODB_TABLE: z.string().min(3).max(255).default('cohort'),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  /** Create the table at start-up when missing: for local development; production tables come from IaC. */
  DYNAMODB_ENSURE_TABLE: flag.default(false),
  /** Apply pending PostgreSQL migrations at start-up (default on). */
  DATABASE_MIGRATE: flag.default(true),
});

/** Everything the service reads from its environment, parsed once at start-up. */
export interface PlatformConfig {
  readonly port: number;
  /** Which store serves each context. */
  readonly stores: Readonly<Record<ContextName, StoreKind>>;
  readonly postgres?: {
    readonly url: string;
    readonly schema?: string;
    readonly poolSize: number;
    readonly migrate: boolean;
  };
  readonly dynamo?: {
    /** A DynamoDB Local or other endpoint; AWS itself when absent. */
    readonly endpoint?: string;
    readonly region: string;
    readonly tableName: string;
    readonly ensureTable: boolean;
    /** Dummy credentials for an emulator endpoint when the environment has none; the SDK's chain otherwise. */
    readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  };
}

/**
 * Parses the environment: `COHORT_<CONTEXT>_STORE` (postgres, dynamo or memory; defaults to the hybrid layout),
 * DATABASE_URL when a context is on PostgreSQL, DYNAMODB_TABLE / DYNAMODB_ENDPOINT / AWS_REGION when one is on
 * DynamoDB. Fails with one message listing every problem, each naming its variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv): PlatformConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  }
  const values = parsed.data as z.infer<typeof envSchema> & Record<string, StoreKind | undefined>;
  const stores = Object.fromEntries(
    contextNames.map((context) => [context, values[storeVariable(context)] ?? defaultStores[context]]),
  ) as Record<ContextName, StoreKind>;
  const uses = (kind: StoreKind) => contextNames.some((context) => stores[context] === kind);

  if (uses('postgres') && values.DATABASE_URL === undefined) {
    const on = contextNames.filter((context) => stores[context] === 'postgres').join(', ');
    throw new Error(`Invalid configuration: DATABASE_URL is required (${on} on postgres)`);
  }
  return {
    port: values.PORT,
    stores,
    ...(uses('postgres')
      ? {
          postgres: {
            url: values.DATABASE_URL!,
            ...(values.DATABASE_SCHEMA ? { schema: values.DATABASE_SCHEMA } : {}),
            poolSize: values.DATABASE_POOL_SIZE,
            migrate: values.DATABASE_MIGRATE,
          },
        }
      : {}),
    ...(uses('dynamo')
      ? {
          dynamo: {
            ...(values.DYNAMODB_ENDPOINT ? { endpoint: values.DYNAMODB_ENDPOINT } : {}),
            region: values.AWS_REGION,
            tableName: values.DYNAMODB_TABLE,
            ensureTable: values.DYNAMODB_ENSURE_TABLE,
            ...(values.DYNAMODB_ENDPOINT && !env['AWS_ACCESS_KEY_ID']
              ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
              : {}),
          },
        }
      : {}),
  };
}
