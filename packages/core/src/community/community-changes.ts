import { newId } from '../shared/ids.js';
import { definedOnly } from '../shared/patch.js';
import { parseInput } from '../shared/validation.js';
import {
  communityPatchSchema,
  createCommunityInputSchema,
  type Community,
  type CommunityPatch,
  type CreateCommunityInput,
} from './community.schema.js';
import type { Membership } from './membership.schema.js';

export type ParsedCommunityPatch = ReturnType<typeof communityPatchSchema.parse>;

/** The community a `create` stores together with its owner's membership (so memberCount starts at 1). */
export function newCommunity(input: CreateCommunityInput, now: Date): { community: Community; owner: Membership } {
  const parsed = parseInput(createCommunityInputSchema, input, 'community');
  const community: Community = {
    id: newId(now.getTime()),
    ...parsed,
    memberCount: 1,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  return { community, owner: { communityId: community.id, userId: community.ownerId, role: 'owner', joinedAt: now } };
}

export function parseCommunityPatch(patch: CommunityPatch): ParsedCommunityPatch {
  return parseInput(communityPatchSchema, patch, 'community patch');
}

export function applyCommunityPatch(community: Community, patch: ParsedCommunityPatch, now: Date): Community {
  return { ...community, ...definedOnly(patch), updatedAt: now, version: community.version + 1 };
}
