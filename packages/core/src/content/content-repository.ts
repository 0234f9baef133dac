import type { Page, PageRequest } from '../shared/page.js';
import type { Content, ContentPatch, CreateContentInput, ListPublishedFilter } from './content.schema.js';

export interface ContentRepository {
  /** Stores a new draft at version 1. The author is not checked here (users may live in another store). */
  create(input: CreateContentInput): Promise<Content>;
  /** The content item, or null. */
  getById(id: string): Promise<Content | null>;
  /** Applies `patch` if the stored version is `expectedVersion`; NOT_FOUND or CONCURRENCY otherwise. */
  update(id: string, patch: ContentPatch, expectedVersion: number): Promise<Content>;
  /** Published items, newest `publishedAt` first (ties by id, descending), optionally by tag and/or author. */
  listPublished(filter?: ListPublishedFilter, page?: PageRequest): Promise<Page<Content>>;
}
