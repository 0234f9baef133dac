// Follows the change feed of the PostgreSQL store DATABASE_URL names and keeps a search index of it in
// search-index.json, printing what each batch changed; Ctrl-C stops it, and the next start resumes.
import { createPostgresDataSource, createPostgresStore, runPostgresMigrations } from '@cohort/adapters-postgres';
import { followFeed } from './follow-feed.js';

const url = process.env['DATABASE_URL'];
if (!url) {
  process.stderr.write('search-projection: set DATABASE_URL to the PostgreSQL store to follow\n');
  process.exit(2);
}
const dataSource = createPostgresDataSource({
  url,
  schema: process.env['DATABASE_SCHEMA'],
  applicationName: 'search-projection',
});
await runPostgresMigrations(dataSource);
const store = createPostgresStore({ dataSource });
if (!store.changeFeed) throw new Error('this store has no change feed');
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
process.once('SIGTERM', () => controller.abort());
const index = await followFeed({
  feed: store.changeFeed,
  subscription: 'search_projection',
  checkpointPath: 'search-index.json',
  signal: controller.signal,
  onBatch: ({ changes, documents }) => process.stdout.write(`applied ${changes} changes; ${documents} documents\n`),
});
process.stdout.write(`stopped with ${index.size} documents\n`);
await dataSource.destroy();
