import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStore, type MemoryStore } from '@cohort/adapters-memory';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { followFeed } from '../src/follow-feed.js';
import { SearchIndex, type SearchDocument } from '../src/search-index.js';

let store: MemoryStore;
let directory: string;
let checkpointPath: string;

beforeEach(async () => {
  store = createMemoryStore();
  directory = await mkdtemp(join(tmpdir(), 'search-projection-'));
  checkpointPath = join(directory, 'index.json');
});
afterEach(() => rm(directory, { recursive: true, force: true }));

/** Follows the feed until the saved checkpoint satisfies `ready`, then stops it; returns the index it ended with. */
async function followUntil(ready: (index: SearchIndex) => boolean): Promise<SearchIndex> {
  const controller = new AbortController();
  const following = followFeed({
    feed: store.changeFeed,
    subscription: 'search',
    checkpointPath,
    signal: controller.signal,
  });
  const deadline = Date.now() + 10_000;
  while (
    !ready(SearchIndex.from(JSON.parse(await readFile(checkpointPath, 'utf8').catch(() => '[]')) as SearchDocument[]))
  ) {
    if (Date.now() > deadline) throw new Error('the projection did not catch up within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  controller.abort();
  return following;
}

describe('a search projection kept current from the change feed', () => {
  it('indexes people, published content and posts, and drops what is deleted or unpublished', async () => {
    // The subscription starts at 'now': create it before the writes it must see.
    await store.changeFeed.createSubscription('search');
    const ada = await store.users.create({ email: 'ada@example.com', displayName: 'Ada Lovelace' });
    const draft = await store.contents.create({ kind: 'article', title: 'Analytical engines', authorId: ada.id });
    const community = await store.communities.create({ slug: 'engines', name: 'Engines', ownerId: ada.id });
    const post = await store.posts.create({ communityId: community.id, authorId: ada.id, body: 'Notes on engines' });

    let index = await followUntil((found) => found.search('engines').length === 1);
    expect(index.search('ada').map((hit) => hit.recordSet)).toEqual(['users']);
    expect(index.search('engines').map((hit) => hit.key)).toEqual([post.id]); // the draft is not searchable

    await store.contents.update(draft.id, { status: 'published' }, draft.version);
    await store.posts.remove(post.id);
    index = await followUntil(
      (found) =>
        found
          .search('engines')
          .map((hit) => hit.recordSet)
          .join() === 'contents',
    );
    expect(index.search('engines').map((hit) => hit.key)).toEqual([draft.id]);
  });

  it('resumes after a restart from its own checkpoint and the subscription, missing nothing', async () => {
    await store.changeFeed.createSubscription('search');
    await store.users.create({ email: 'grace@example.com', displayName: 'Grace Hopper' });
    await followUntil((found) => found.size === 1);
    // Written while the projection is down.
    await store.users.create({ email: 'alan@example.com', displayName: 'Alan Turing' });
    const index = await followUntil((found) => found.size === 2);
    expect(index.search('hopper')).toHaveLength(1);
    expect(index.search('turing')).toHaveLength(1);
  });
});
