import { membershipRoles, type Community, type Membership } from '@cohort/core';
import { deterministicId } from './deterministic-ids.js';
import { DAY, streamRng, streams, type GeneratorContext } from './generator-context.js';
import { hash32, Rng } from './prng.js';
import { presence, type UsersPlan } from './plan-users.js';
import { sampleDistinct } from './sampling.js';
import { paragraph, titleCase, topics } from './text.js';

const OWNER = 0;
const MODERATOR = 1;
const MEMBER = 2;

/** Zipf exponent of community sizes: with 400 communities and 250k members, a few pass 10k and most stay under 100. */
const SIZE_EXPONENT = 1.25;

export interface CommunitiesPlan {
  readonly count: number;
  readonly ids: readonly string[];
  readonly owner: Int32Array;
  readonly createdAt: Float64Array;
  /** Community c's members are `memberUser[memberStart[c] .. memberStart[c + 1])`, owner first. */
  readonly memberStart: Int32Array;
  readonly memberships: number;
  readonly memberUser: Int32Array;
  /** The community of each membership slot. */
  readonly memberCommunity: Int32Array;
  readonly memberJoined: Float64Array;
  readonly memberRole: Uint8Array;
}

/** Long-tailed member counts summing to about `memberships`, each between 1 (the owner) and ~92% of users. */
function communitySizes(context: GeneratorContext, count: number, users: number): Int32Array {
  const raw = new Float64Array(count);
  let sum = 0;
  for (let rank = 0; rank < count; rank += 1) {
    raw[rank] = (rank + 1) ** -SIZE_EXPONENT;
    sum += raw[rank]!;
  }
  const largest = Math.max(1, Math.floor(users * 0.92));
  const sizes = new Int32Array(count);
  for (let rank = 0; rank < count; rank += 1) {
    const size = Math.round((raw[rank]! / sum) * context.sizes.memberships);
    sizes[rank] = Math.min(largest, Math.max(1, size));
  }
  return sizes;
}

export function planCommunities(context: GeneratorContext, users: UsersPlan): CommunitiesPlan {
  const count = context.sizes.communities;
  const rng = streamRng(context, streams.communities);
  const bySize = communitySizes(context, count, users.count);
  // Sizes go to communities in a random order, so the biggest is not always the first one written.
  const rankOf = sampleDistinct(rng, count, count);
  const memberStart = new Int32Array(count + 1);
  const capacity = bySize.reduce((sum, size) => sum + size, 0);
  const memberUser = new Int32Array(capacity);
  const memberCommunity = new Int32Array(capacity);
  const memberJoined = new Float64Array(capacity);
  const memberRole = new Uint8Array(capacity);
  const owner = new Int32Array(count);
  const createdAt = new Float64Array(count);
  const ids: string[] = new Array<string>(count);
  // Communities are older than the last 60 days; the big ones are among the oldest, so nearly everyone could join.
  const earliest = context.historyStart + DAY;
  const latest = context.activeSince - 30 * DAY;
  const scratch = new Int32Array(users.count);
  for (let user = 0; user < users.count; user += 1) scratch[user] = user;
  // stamp[user] === community + 1 once the user is a member of that community.
  const stamp = new Int32Array(users.count);
  let slot = 0;

  for (let community = 0; community < count; community += 1) {
    const rank = rankOf[community]!;
    const created = Math.floor(earliest + (latest - earliest) * rng.next() * ((rank + 1) / count) ** 0.5);
    // The founder was around when the community was created; the anchor always is.
    let founder = users.activeList[0]!;
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const candidate = rng.int(users.count);
      if (users.createdAt[candidate]! <= created && created < users.activeUntil[candidate]!) {
        founder = candidate;
        break;
      }
    }
    owner[community] = founder;
    createdAt[community] = created;
    ids[community] = deterministicId(created, 'communities', community, context.seedHash);

    memberStart[community] = slot;
    memberUser[slot] = founder;
    memberCommunity[slot] = community;
    memberJoined[slot] = created;
    memberRole[slot] = OWNER;
    stamp[founder] = community + 1;
    slot += 1;
    const size = bySize[rank]!;
    const moderatorShare = Math.min(0.1, 4 / size);
    let filled = 1;
    // Distinct members in a random order (partial Fisher–Yates over a shared permutation). Users gone before the
    // community began cannot join; users around only briefly join fewer communities (so short lives do not crowd
    // into a few days), unless the community needs nearly everyone, in which case a second pass takes them too.
    for (let pass = 0; pass < 2 && filled < size; pass += 1) {
      for (let j = 0; filled < size && j < users.count; j += 1) {
        if (pass === 0) {
          const k = j + rng.int(users.count - j);
          [scratch[k], scratch[j]] = [scratch[j]!, scratch[k]!];
        }
        const member = scratch[j]!;
        const from = Math.max(created, users.createdAt[member]!);
        if (stamp[member] === community + 1 || from >= users.activeUntil[member]!) continue;
        if (pass === 0 && !rng.chance(presence(users, member, from))) continue;
        stamp[member] = community + 1;
        memberUser[slot] = member;
        memberCommunity[slot] = community;
        memberJoined[slot] = rng.instant(from, users.activeUntil[member]!);
        memberRole[slot] = rng.chance(moderatorShare) ? MODERATOR : MEMBER;
        slot += 1;
        filled += 1;
      }
    }
  }
  memberStart[count] = slot;
  return {
    count,
    ids,
    owner,
    createdAt,
    memberStart,
    memberships: slot,
    memberUser: memberUser.subarray(0, slot),
    memberCommunity: memberCommunity.subarray(0, slot),
    memberJoined: memberJoined.subarray(0, slot),
    memberRole: memberRole.subarray(0, slot),
  };
}

export function communityRecord(
  context: GeneratorContext,
  plan: CommunitiesPlan,
  users: UsersPlan,
  community: number,
): Community {
  const rng = new Rng(hash32(context.seedHash, streams.communities, community, 1));
  const topic = rng.pick(topics);
  const flavour = rng.pick(['circle', 'guild', 'club', 'network', 'lab', 'forum', 'crew']);
  const memberCount = plan.memberStart[community + 1]! - plan.memberStart[community]!;
  const createdAt = plan.createdAt[community]!;
  const edited = rng.chance(0.4);
  return {
    id: plan.ids[community]!,
    // The index suffix keeps slugs unique whatever the words.
    slug: `${topic}-${flavour}-${community + 1}`,
    name: titleCase(`${topic.replace(/-/g, ' ')} ${flavour}`),
    description: rng.chance(0.15) ? '' : paragraph(rng, 2),
    // The big all-hands communities are public; a fifth of the rest are private.
    visibility: memberCount < users.count / 10 && rng.chance(0.2) ? 'private' : 'public',
    ownerId: users.ids[plan.owner[community]!]!,
    memberCount,
    createdAt: new Date(createdAt),
    updatedAt: new Date(edited ? rng.instant(createdAt, context.now) : createdAt),
    version: edited ? rng.intBetween(2, 4) : 1,
  };
}

export function membershipRecord(
  communities: CommunitiesPlan,
  users: UsersPlan,
  community: number,
  slot: number,
): Membership {
  return {
    communityId: communities.ids[community]!,
    userId: users.ids[communities.memberUser[slot]!]!,
    role: membershipRoles[communities.memberRole[slot]!]!,
    joinedAt: new Date(communities.memberJoined[slot]!),
  };
}
