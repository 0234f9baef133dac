import { describeExactlyOnceActivity } from '@cohort/testkit';
import { openStore } from './support/stores.js';

// The same scenarios as the memory run in @cohort/testkit, on each real wiring: one store, or the hybrid
// deployment (relational contexts on PostgreSQL, activity on DynamoDB).
describeExactlyOnceActivity('postgres', (clock) => openStore('postgres', { clock }));
describeExactlyOnceActivity('dynamo', (clock) => openStore('dynamo', { clock }));
describeExactlyOnceActivity('hybrid (PostgreSQL, activity on DynamoDB)', async (clock) => {
  const [relational, activity] = await Promise.all([openStore('postgres', { clock }), openStore('dynamo', { clock })]);
  return {
    store: { ...relational.store, activity: activity.store.activity },
    close: async () => {
      await Promise.all([relational.close(), activity.close()]);
    },
  };
});
