import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { activityVerbs, dayOf } from '@cohort/core';
import { expectRows, expectSame, type Operation } from './operation.js';

const DAY = 86_400_000;

const SELECT = `SELECT to_char(day, 'YYYY-MM-DD') AS "day", verb AS "verb", count AS "count"
  FROM "activity_daily_counts"
  WHERE day >= $1::date AND day <= $2::date`;

interface Window {
  readonly from: string;
  readonly to: string;
}

/** 30 days ending `index % 30` days before the platform's last full day: the windows slide over the last 60 days. */
function window(now: Date, index: number): Window {
  const end = now.getTime() - DAY * (1 + (index % 30));
  return { from: dayOf(new Date(end - 29 * DAY)), to: dayOf(new Date(end)) };
}

/** Day, verb, count, sorted the way the port returns them (for comparing the sides only). */
function normalized(counts: readonly { day: unknown; verb: unknown; count: unknown }[]) {
  return counts
    .map((count) => ({ day: String(count.day), verb: String(count.verb), count: Number(count.count) }))
    .filter((count) => count.count > 0)
    .sort((a, b) => (a.day === b.day ? a.verb.localeCompare(b.verb) : a.day.localeCompare(b.day)));
}

/** `activity.dailyCounts({ from, to })`: per-day, per-verb counters of 30 days, from the counters, not the log. */
export const dailyCounts: Operation = {
  id: 'daily-counts-30d',
  name: 'daily counts, 30 days',
  kind: 'read',
  postgres({ store, pool, data }) {
    const plan = {
      input: (index: number) => window(data.now, index),
      adapter: (range: Window) => store.activity.dailyCounts(range),
      raw: async (range: Window) =>
        (await pool.query<{ day: string; verb: string; count: string }>(SELECT, [range.from, range.to])).rows,
      async verify() {
        for (let index = 0; index < 3; index += 1) {
          const range = window(data.now, index);
          const adapter = await plan.adapter(range);
          expectRows('daily counts', adapter);
          expectSame('daily counts', normalized(adapter), normalized(await plan.raw(range)));
        }
      },
    };
    return plan;
  },
  dynamo({ store, client, tableName, data }) {
    const plan = {
      input: (index: number) => window(data.now, index),
      adapter: (range: Window) => store.activity.dailyCounts(range),
      // The adapter's layout: one counter partition sorted by verb then day; each verb's days are read side by side.
      raw: async (range: Window) => {
        const perVerb = await Promise.all(
          activityVerbs.map((verb) =>
            client.send(
              new QueryCommand({
                TableName: tableName,
                KeyConditionExpression: 'pk = :p AND sk BETWEEN :from AND :to',
                ExpressionAttributeValues: {
                  ':p': 'ACTIVITY_COUNTS',
                  ':from': `${verb}#${range.from}`,
                  ':to': `${verb}#${range.to}`,
                },
                ConsistentRead: true,
                Limit: 1000,
              }),
            ),
          ),
        );
        return perVerb.flatMap((output) => output.Items ?? []);
      },
      async verify() {
        for (let index = 0; index < 3; index += 1) {
          const range = window(data.now, index);
          const adapter = await plan.adapter(range);
          expectRows('daily counts', adapter);
          const raw = (await plan.raw(range)) as { day: unknown; verb: unknown; count: unknown }[];
          expectSame('daily counts', normalized(adapter), normalized(raw));
        }
      },
    };
    return plan;
  },
};
