import {
  listPublishedFilterSchema,
  type Clock,
  type Content,
  type ContentPatch,
  type ContentRepository,
  type CreateContentInput,
  type ListPublishedFilter,
  type Page,
  type PageRequest,
} from '@cohort/core';
import {
  atExpectedVersion,
  applyContentPatch,
  newContent,
  parseContentPatch,
  parseExpectedVersion,
  parseId,
  parseInput,
  parsePageRequest,
} from '@cohort/core/adapter';
import { newestFirst, pageOf } from './memory-pages.js';
import { copyOf, roundTrip, type MemoryTables } from './memory-tables.js';

// Only a record put through the migration face can be published without a publishedAt; it sorts as the oldest.
const publishedAtOf = (content: Content): Date => content.publishedAt ?? new Date(0);

export class MemoryContentRepository implements ContentRepository {
  constructor(
    private readonly tables: MemoryTables,
    private readonly clock: Clock,
  ) {}

  async create(input: CreateContentInput): Promise<Content> {
    await roundTrip();
    const content = newContent(input, this.clock.now());
    this.tables.contents.set(content.id, content);
    return copyOf(content);
  }

  async getById(id: string): Promise<Content | null> {
    await roundTrip();
    const content = this.tables.contents.get(parseId(id));
    return content ? copyOf(content) : null;
  }

  async update(id: string, patch: ContentPatch, expectedVersion: number): Promise<Content> {
    await roundTrip();
    const contentId = parseId(id);
    const changes = parseContentPatch(patch);
    const version = parseExpectedVersion(expectedVersion);
    const current = atExpectedVersion(this.tables.contents.get(contentId), 'Content', contentId, version);
    const next = applyContentPatch(current, changes, this.clock.now());
    this.tables.contents.set(contentId, next);
    return copyOf(next);
  }

  async listPublished(filter?: ListPublishedFilter, page?: PageRequest): Promise<Page<Content>> {
    await roundTrip();
    const { tag, authorId } = parseInput(listPublishedFilterSchema, filter ?? {}, 'listPublished filter');
    const request = parsePageRequest(page);
    const rows = [...this.tables.contents.values()].filter(
      (content) =>
        content.status === 'published' &&
        (tag === undefined || content.tags.includes(tag)) &&
        (authorId === undefined || content.authorId === authorId),
    );
    return pageOf(
      rows,
      newestFirst(publishedAtOf, (content) => content.id),
      'contents.listPublished',
      [tag, authorId],
      request,
    );
  }
}
