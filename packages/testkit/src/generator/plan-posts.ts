import { noReactions, reactionKinds, type Comment, type Post, type Reaction } from '@cohort/core';
import { deterministicId } from './deterministic-ids.js';
import { DAY, streamRng, streams, type GeneratorContext } from './generator-context.js';
import { hash32, Rng } from './prng.js';
import type { CommunitiesPlan } from './plan-communities.js';
import { presence, type UsersPlan } from './plan-users.js';
import { WeightedSampler } from './sampling.js';
import { paragraph, sentence } from './text.js';

/** like, celebrate, insightful, support. */
const KIND_WEIGHTS = [0.55, 0.2, 0.15, 0.1];

export interface PostsPlan {
  readonly count: number;
  readonly ids: readonly string[];
  readonly community: Int32Array;
  readonly author: Int32Array;
  readonly createdAt: Float64Array;
  readonly updatedAt: Float64Array;
  /** The few posts most comments and reactions pile onto. */
  readonly hot: Int32Array;
  readonly commentCount: Int32Array;
  /** Four counters per post, in `reactionKinds` order. */
  readonly reactionCounts: Int32Array;
  readonly comments: number;
  readonly commentPost: Int32Array;
  readonly commentAuthor: Int32Array;
  readonly commentAt: Float64Array;
  readonly reactions: number;
  readonly reactionPost: Int32Array;
  readonly reactionUser: Int32Array;
  readonly reactionKind: Uint8Array;
  readonly reactionAt: Float64Array;
}

/** A time for a member's reply to a post: soon after the post (or after they joined), inside their bounds. */
function replyTime(rng: Rng, lo: number, hi: number): number {
  const soon = lo + Math.floor(rng.exponential(1.5 * DAY));
  return soon < hi ? soon : rng.instant(lo, hi);
}

export function planPosts(context: GeneratorContext, users: UsersPlan, communities: CommunitiesPlan): PostsPlan {
  const { sizes } = context;
  const count = communities.count === 0 ? 0 : sizes.posts;
  const rng = streamRng(context, streams.posts);
  const memberCount = (community: number) =>
    communities.memberStart[community + 1]! - communities.memberStart[community]!;

  // Bigger communities post more, sub-linearly.
  const communityWeights = new Float64Array(communities.count);
  for (let c = 0; c < communities.count; c += 1) communityWeights[c] = memberCount(c) ** 0.7;
  const communitySampler = new WeightedSampler(communityWeights);
  const community = new Int32Array(count);
  const author = new Int32Array(count);
  const createdAt = new Float64Array(count);
  const updatedAt = new Float64Array(count);
  const ids: string[] = new Array<string>(count);
  for (let post = 0; post < count; post += 1) {
    const c = communitySampler.sample(rng);
    let slot = communities.memberStart[c]! + rng.int(memberCount(c));
    for (let attempt = 0; attempt < 10; attempt += 1) {
      if (rng.chance(presence(users, communities.memberUser[slot]!, communities.memberJoined[slot]!))) break;
      slot = communities.memberStart[c]! + rng.int(memberCount(c));
    }
    const writer = communities.memberUser[slot]!;
    const lo = communities.memberJoined[slot]!;
    const hi = users.activeUntil[writer]!;
    const created = rng.instant(lo, hi);
    community[post] = c;
    author[post] = writer;
    createdAt[post] = created;
    updatedAt[post] = rng.chance(0.1) ? rng.instant(created, hi) : created;
    ids[post] = deterministicId(created, 'posts', post, context.seedHash);
  }

  // A few hot posts in big communities draw about 1% of all comments and reactions each.
  const hotCount = count === 0 ? 0 : Math.max(1, Math.round(count / 6000));
  const hot = new Int32Array(hotCount);
  let biggest = 0;
  for (let c = 0; c < communities.count; c += 1) biggest = Math.max(biggest, memberCount(c));
  const postWeights = new Float64Array(count);
  for (let post = 0; post < count; post += 1) {
    postWeights[post] = rng.exponential(1) * (memberCount(community[post]!) > 1 ? 1 : 0.2);
  }
  for (let h = 0; h < hotCount; h += 1) {
    let post = rng.int(count);
    for (let attempt = 0; attempt < 100 && memberCount(community[post]!) < biggest / 2; attempt += 1) {
      post = rng.int(count);
    }
    hot[h] = post;
    postWeights[post] = Math.max(20, count / 100);
  }
  const postSampler = new WeightedSampler(postWeights);

  const commentTarget = count === 0 ? 0 : sizes.comments;
  const commentRng = streamRng(context, streams.comments);
  const commentCount = new Int32Array(count);
  const commentPost = new Int32Array(commentTarget);
  const commentAuthor = new Int32Array(commentTarget);
  const commentAt = new Float64Array(commentTarget);
  for (let comment = 0; comment < commentTarget; comment += 1) {
    const post = postSampler.sample(commentRng);
    const c = community[post]!;
    // Any member may reply once they have joined and while they are around; the author always can.
    let replier = author[post]!;
    let lo = createdAt[post]!;
    let hi = users.activeUntil[replier]!;
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const slot = communities.memberStart[c]! + commentRng.int(memberCount(c));
      const member = communities.memberUser[slot]!;
      const from = Math.max(createdAt[post]!, communities.memberJoined[slot]!);
      const joined = communities.memberJoined[slot]!;
      if (from < users.activeUntil[member]! && commentRng.chance(presence(users, member, joined))) {
        replier = member;
        lo = from;
        hi = users.activeUntil[member]!;
        break;
      }
    }
    commentPost[comment] = post;
    commentAuthor[comment] = replier;
    commentAt[comment] = replyTime(commentRng, lo, hi);
    commentCount[post] = commentCount[post]! + 1;
  }

  const reactionTarget = count === 0 ? 0 : sizes.reactions;
  const reactionRng = streamRng(context, streams.reactions);
  const reactionCounts = new Int32Array(count * reactionKinds.length);
  const reactionPost = new Int32Array(reactionTarget);
  const reactionUser = new Int32Array(reactionTarget);
  const reactionKind = new Uint8Array(reactionTarget);
  const reactionAt = new Float64Array(reactionTarget);
  const kindSampler = new WeightedSampler(KIND_WEIGHTS);
  const taken = new Set<number>();
  let reactions = 0;
  for (let attempt = 0; reactions < reactionTarget && attempt < reactionTarget * 8; attempt += 1) {
    const post = postSampler.sample(reactionRng);
    const c = community[post]!;
    const slot = communities.memberStart[c]! + reactionRng.int(memberCount(c));
    const member = communities.memberUser[slot]!;
    const kind = kindSampler.sample(reactionRng);
    const key = (post * users.count + member) * reactionKinds.length + kind;
    const lo = Math.max(createdAt[post]!, communities.memberJoined[slot]!);
    const hi = users.activeUntil[member]!;
    const joined = communities.memberJoined[slot]!;
    if (lo >= hi || taken.has(key) || !reactionRng.chance(presence(users, member, joined))) continue;
    taken.add(key);
    reactionPost[reactions] = post;
    reactionUser[reactions] = member;
    reactionKind[reactions] = kind;
    reactionAt[reactions] = replyTime(reactionRng, lo, hi);
    const counter = post * reactionKinds.length + kind;
    reactionCounts[counter] = reactionCounts[counter]! + 1;
    reactions += 1;
  }

  return {
    count,
    ids,
    community,
    author,
    createdAt,
    updatedAt,
    hot,
    commentCount,
    reactionCounts,
    comments: commentTarget,
    commentPost,
    commentAuthor,
    commentAt,
    reactions,
    reactionPost: reactionPost.subarray(0, reactions),
    reactionUser: reactionUser.subarray(0, reactions),
    reactionKind: reactionKind.subarray(0, reactions),
    reactionAt: reactionAt.subarray(0, reactions),
  };
}

export function postRecord(
  context: GeneratorContext,
  plan: PostsPlan,
  users: UsersPlan,
  communities: CommunitiesPlan,
  post: number,
): Post {
  const rng = new Rng(hash32(context.seedHash, streams.posts, post, 1));
  const reactionCounts = noReactions();
  reactionKinds.forEach((kind, k) => {
    reactionCounts[kind] = plan.reactionCounts[post * reactionKinds.length + k]!;
  });
  const edited = plan.updatedAt[post]! > plan.createdAt[post]!;
  return {
    id: plan.ids[post]!,
    communityId: communities.ids[plan.community[post]!]!,
    authorId: users.ids[plan.author[post]!]!,
    body: paragraph(rng, 4),
    commentCount: plan.commentCount[post]!,
    reactionCounts,
    createdAt: new Date(plan.createdAt[post]!),
    updatedAt: new Date(plan.updatedAt[post]!),
    version: edited ? rng.intBetween(2, 3) : 1,
  };
}

export function commentId(context: GeneratorContext, plan: PostsPlan, comment: number): string {
  return deterministicId(plan.commentAt[comment]!, 'comments', comment, context.seedHash);
}

export function commentRecord(context: GeneratorContext, plan: PostsPlan, users: UsersPlan, comment: number): Comment {
  const rng = new Rng(hash32(context.seedHash, streams.comments, comment, 1));
  return {
    id: commentId(context, plan, comment),
    postId: plan.ids[plan.commentPost[comment]!]!,
    authorId: users.ids[plan.commentAuthor[comment]!]!,
    body: rng.chance(0.8) ? sentence(rng, 2, 16) : paragraph(rng, 3),
    createdAt: new Date(plan.commentAt[comment]!),
  };
}

export function reactionRecord(plan: PostsPlan, users: UsersPlan, reaction: number): Reaction {
  return {
    postId: plan.ids[plan.reactionPost[reaction]!]!,
    userId: users.ids[plan.reactionUser[reaction]!]!,
    kind: reactionKinds[plan.reactionKind[reaction]!]!,
    createdAt: new Date(plan.reactionAt[reaction]!),
  };
}
