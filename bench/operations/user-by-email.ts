import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { cycle, expectSame, type Operation } from './operation.js';

const SELECT = `SELECT "id" AS "id", "email" AS "email", "display_name" AS "displayName", "role" AS "role",
  "status" AS "status", "created_at" AS "createdAt", "updated_at" AS "updatedAt", "version" AS "version"
  FROM "users" WHERE email = $1`;

/** `users.findByEmail`: one lookup by a unique key. */
export const userByEmail: Operation = {
  id: 'user-by-email',
  name: 'user by email',
  kind: 'read',
  postgres({ store, pool, data }) {
    const plan = {
      input: (index: number) => cycle(data.emails, index),
      adapter: async (email: string) => (await store.users.findByEmail(email))?.id ?? null,
      raw: async (email: string) => {
        const { rows } = await pool.query<{ id: string }>(SELECT, [email]);
        return rows[0]?.id ?? null;
      },
      async verify() {
        for (const email of data.emails.slice(0, 5)) {
          const found = await plan.adapter(email);
          if (found === null) throw new Error(`user by email: ${email} is not in the store`);
          expectSame('user by email', found, await plan.raw(email));
        }
      },
    };
    return plan;
  },
  dynamo({ store, client, tableName, data }) {
    const plan = {
      input: (index: number) => cycle(data.emails, index),
      adapter: async (email: string) => (await store.users.findByEmail(email))?.id ?? null,
      // The adapter's two consistent reads: the email guard, then the user it names.
      raw: async (email: string) => {
        const guard = await client.send(
          new GetCommand({ TableName: tableName, Key: { pk: `EMAIL#${email}`, sk: 'GUARD' }, ConsistentRead: true }),
        );
        if (!guard.Item) return null;
        const user = await client.send(
          new GetCommand({
            TableName: tableName,
            Key: { pk: `USER#${String(guard.Item['userId'])}`, sk: 'USER' },
            ConsistentRead: true,
          }),
        );
        return (user.Item?.['id'] as string | undefined) ?? null;
      },
      async verify() {
        for (const email of data.emails.slice(0, 5)) {
          const found = await plan.adapter(email);
          if (found === null) throw new Error(`user by email: ${email} is not in the store`);
          expectSame('user by email', found, await plan.raw(email));
        }
      },
    };
    return plan;
  },
};
