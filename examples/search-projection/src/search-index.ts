import type { Change } from '@cohort/core';

/** One searchable document: what a search box shows for a hit. */
export interface SearchDocument {
  readonly recordSet: 'users' | 'contents' | 'posts';
  readonly key: string;
  readonly title: string;
  readonly text: string;
}

/**
 * A search projection: people, published content and posts, by the words in them. It knows nothing of the services:
 * it is built from the change feed's after-images alone, so applying a change twice, or an older image followed by
 * the newer one, leaves it as the store is (the feed delivers at least once, in commit order per key).
 */
export class SearchIndex {
  private readonly documents = new Map<string, SearchDocument>();

  /** Applies one change; changes of record sets it does not index are ignored. */
  apply(change: Change): void {
    const id = `${change.recordSet}/${change.key}`;
    const document = change.op === 'delete' ? null : documentOf(change);
    if (document === null) this.documents.delete(id);
    else this.documents.set(id, document);
  }

  /** Documents holding every word of `query` (case-insensitive), in key order. */
  search(query: string): SearchDocument[] {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    return [...this.documents.values()]
      .filter((document) => words.every((word) => `${document.title} ${document.text}`.toLowerCase().includes(word)))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  get size(): number {
    return this.documents.size;
  }

  /** The documents, for a checkpoint file. */
  toJSON(): SearchDocument[] {
    return [...this.documents.values()];
  }

  static from(documents: readonly SearchDocument[]): SearchIndex {
    const index = new SearchIndex();
    for (const document of documents) index.documents.set(`${document.recordSet}/${document.key}`, document);
    return index;
  }
}

/** The document a record becomes, or null when it is not searchable (a draft, a deactivated user, another set). */
function documentOf(change: Change): SearchDocument | null {
  switch (change.recordSet) {
    case 'users': {
      const user = change.record;
      if (!user || user.status !== 'active') return null;
      return { recordSet: 'users', key: change.key, title: user.displayName, text: user.email };
    }
    case 'contents': {
      const content = change.record;
      if (!content || content.status !== 'published') return null;
      return {
        recordSet: 'contents',
        key: change.key,
        title: content.title,
        text: `${content.summary} ${content.tags.join(' ')}`,
      };
    }
    case 'posts': {
      const post = change.record;
      if (!post) return null;
      return { recordSet: 'posts', key: change.key, title: post.body.slice(0, 60), text: post.body };
    }
    default:
      return null;
  }
}
