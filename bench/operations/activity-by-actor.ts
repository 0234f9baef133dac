import { DEFAULT_PAGE_LIMIT } from '@cohort/core';
import { queryIndexPage } from '../stores/dynamo-raw.js';
import { cycle, expectRows, expectSame, type Operation } from './operation.js';

const LIMIT = DEFAULT_PAGE_LIMIT;

export const ACTIVITY_COLUMNS = `"id" AS "id", "occurred_at" AS "occurredAt", "actor_id" AS "actorId", "verb" AS "verb",
  "object_type" AS "objectType", "object_id" AS "objectId", "metadata" AS "metadata"`;

const SELECT = `SELECT ${ACTIVITY_COLUMNS} FROM "activity_events"
  WHERE actor_id = $1
  ORDER BY occurred_at DESC, id DESC
  LIMIT $2`;

const ids = (rows: readonly Record<string, unknown>[]) => rows.slice(0, LIMIT).map((row) => row['id']);

/** `activity.listByActor(actorId)`: the first page of an active user's activity, newest first. */
export const activityByActor: Operation = {
  id: 'activity-by-actor',
  name: 'activity of one actor (page)',
  kind: 'read',
  postgres({ store, pool, data }) {
    const plan = {
      input: (index: number) => cycle(data.activeUsers, index),
      adapter: async (actor: string) => (await store.activity.listByActor(actor)).items.map((event) => event.id),
      raw: async (actor: string) => ids((await pool.query(SELECT, [actor, LIMIT + 1])).rows),
      async verify() {
        for (const actor of data.activeUsers.slice(0, 5)) {
          const adapter = await plan.adapter(actor);
          expectRows('activity by actor', adapter);
          expectSame('activity by actor', adapter, await plan.raw(actor));
        }
      },
    };
    return plan;
  },
  dynamo({ store, client, tableName, data }) {
    const plan = {
      input: (index: number) => cycle(data.activeUsers, index),
      adapter: async (actor: string) => (await store.activity.listByActor(actor)).items.map((event) => event.id),
      raw: async (actor: string) =>
        ids(
          await queryIndexPage(client, {
            tableName,
            index: 'gsi1',
            partition: `ACTOR#${actor}`,
            newestFirst: true,
            limit: LIMIT + 1,
          }),
        ),
      async verify() {
        for (const actor of data.activeUsers.slice(0, 5)) {
          const adapter = await plan.adapter(actor);
          expectRows('activity by actor', adapter);
          expectSame('activity by actor', adapter, await plan.raw(actor));
        }
      },
    };
    return plan;
  },
};
