import { generatePlatform, type GeneratedPlatform, type PlatformScale } from '@cohort/testkit/generator';
import type { RecordFilter } from './load.js';

/** What the operations pick their arguments from: ids and values that exist in the loaded platform. */
export interface BenchData {
  readonly scale: PlatformScale;
  readonly seed: number;
  readonly platform: GeneratedPlatform;
  /** Emails of users spread over the whole table. */
  readonly emails: readonly string[];
  /** Tags of published content, most used first. */
  readonly tags: readonly string[];
  /** The biggest communities first. */
  readonly communities: readonly string[];
  /** Posts with the most comments first. */
  readonly hotPosts: readonly string[];
  /** Users active in the last 30 days, power users first. */
  readonly activeUsers: readonly string[];
  readonly publishedContents: readonly string[];
  /** The instant the platform's activity ends at. */
  readonly now: Date;
}

/** Emails looked up: 1,000 at reference scale, one user in 20 on smaller platforms. */
const MAX_SAMPLE_EMAILS = 1_000;

/** Generates the platform (deterministic: same seed, same records) and picks the benchmark's arguments from it. */
export function benchData(scale: PlatformScale, seed: number): BenchData {
  const platform = generatePlatform({ seed, scale });
  const userCount = platform.counts().users;
  const sampleEmails = Math.min(MAX_SAMPLE_EMAILS, Math.ceil(userCount / 20));
  const step = Math.max(1, Math.floor(userCount / sampleEmails));
  const emails: string[] = [];
  let index = 0;
  for (const user of platform.users()) {
    if (index % step === 0 && emails.length < sampleEmails) emails.push(user.email);
    index += 1;
  }
  const tagUse = new Map<string, number>();
  for (const content of platform.records('contents')) {
    if (content.status !== 'published') continue;
    for (const tag of content.tags) tagUse.set(tag, (tagUse.get(tag) ?? 0) + 1);
  }
  const tags = [...tagUse.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([tag]) => tag);
  const samples = platform.sampleIds(100);
  return {
    scale,
    seed,
    platform,
    emails,
    tags,
    communities: samples.communities.slice(0, 10),
    hotPosts: samples.hotPosts.slice(0, 50),
    activeUsers: samples.activeUsers,
    publishedContents: samples.publishedContents,
    now: platform.now,
  };
}

/**
 * A reduced platform for a store that cannot take the whole reference platform in the time budget (DynamoDB Local):
 * everything the benchmark reads stays complete (the sampled users, the sampled communities' posts, the hot posts'
 * comments, the sampled actors' activity, every content item, event, community and daily counter) and one record in
 * `every` of the rest is loaded.
 */
export function reducedPlatform(data: BenchData, every: number): RecordFilter {
  const emails = new Set(data.emails);
  const communities = new Set(data.communities);
  const hotPosts = new Set(data.hotPosts);
  const actors = new Set(data.activeUsers);
  return (name, record, index) => {
    const sampled = index % every === 0;
    const fields = record as Record<string, unknown>;
    switch (name) {
      case 'contents':
      case 'events':
      case 'communities':
      case 'activityCounts':
        return true;
      case 'users':
        return sampled || emails.has(fields['email'] as string);
      case 'posts':
        return sampled || communities.has(fields['communityId'] as string);
      case 'comments':
        return sampled || hotPosts.has(fields['postId'] as string);
      case 'activity':
        return sampled || actors.has(fields['actorId'] as string);
      default:
        return sampled;
    }
  };
}
