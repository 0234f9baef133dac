import type { Page, PageRequest } from '../shared/page.js';
import type { Community, CommunityPatch, CreateCommunityInput } from './community.schema.js';

export interface CommunityRepository {
  /**
   * Stores the community with its owner as its first member (role owner, memberCount 1) in one atomic step;
   * CONFLICT when the slug is taken.
   */
  create(input: CreateCommunityInput): Promise<Community>;
  /** The community, or null. */
  getById(id: string): Promise<Community | null>;
  /** Case-insensitive slug lookup; null when none. */
  getBySlug(slug: string): Promise<Community | null>;
  /** Applies `patch` if the stored version is `expectedVersion`; NOT_FOUND or CONCURRENCY otherwise. */
  update(id: string, patch: CommunityPatch, expectedVersion: number): Promise<Community>;
  /** All communities in slug order. */
  list(page?: PageRequest): Promise<Page<Community>>;
}
