import type { Rng } from './prng.js';

export const firstNames = [
  'ada',
  'alan',
  'amara',
  'ana',
  'arjun',
  'aya',
  'ben',
  'carla',
  'chen',
  'dara',
  'david',
  'elena',
  'emeka',
  'eva',
  'farah',
  'felix',
  'grace',
  'hana',
  'hugo',
  'ines',
  'ivan',
  'jade',
  'jonas',
  'kai',
  'kenji',
  'lara',
  'leo',
  'lina',
  'luca',
  'maya',
  'mei',
  'mila',
  'nadia',
  'nia',
  'noah',
  'omar',
  'priya',
  'quinn',
  'rafael',
  'rosa',
  'sam',
  'sara',
  'sofia',
  'tariq',
  'theo',
  'uma',
  'vera',
  'wei',
  'yara',
  'yusuf',
  'zoe',
  'zain',
] as const;

export const lastNames = [
  'adeyemi',
  'alvarez',
  'bauer',
  'bianchi',
  'chen',
  'costa',
  'dubois',
  'eriksen',
  'fischer',
  'garcia',
  'haddad',
  'hansen',
  'ito',
  'jensen',
  'kim',
  'kowalski',
  'larsen',
  'lopez',
  'martin',
  'mendes',
  'moreau',
  'nakamura',
  'novak',
  'okafor',
  'olsen',
  'patel',
  'petrov',
  'quispe',
  'rossi',
  'sato',
  'schmidt',
  'silva',
  'singh',
  'tanaka',
  'torres',
  'umar',
  'varga',
  'walsh',
  'weber',
  'xu',
  'yilmaz',
  'zhang',
] as const;

export const emailDomains = ['northwind.example', 'contoso.example', 'initech.example', 'globex.example'] as const;

/** Topic words: tags, titles and community names are built from them. */
export const topics = [
  'leadership',
  'python',
  'typescript',
  'security',
  'design',
  'sales',
  'onboarding',
  'wellbeing',
  'finance',
  'data',
  'analytics',
  'cloud',
  'kubernetes',
  'negotiation',
  'writing',
  'compliance',
  'privacy',
  'accessibility',
  'agile',
  'product',
  'marketing',
  'support',
  'coaching',
  'mentoring',
  'diversity',
  'inclusion',
  'strategy',
  'hiring',
  'feedback',
  'testing',
  'devops',
  'networking',
  'excel',
  'statistics',
  'ux',
  'research',
  'ethics',
  'presenting',
  'storytelling',
  'sustainability',
  'operations',
  'logistics',
  'procurement',
  'legal',
  'innovation',
  'ai',
  'machine-learning',
  'databases',
  'architecture',
  'mobile',
  'frontend',
  'backend',
  'observability',
  'incident',
  'quality',
  'safety',
  'budgeting',
  'forecasting',
  'languages',
  'spanish',
  'french',
  'german',
  'japanese',
  'mindfulness',
  'fitness',
  'parenting',
  'remote-work',
  'productivity',
  'time-management',
  'public-speaking',
  'career',
  'management',
  'culture',
  'community',
  'volunteering',
  'photography',
  'music',
  'gaming',
  'books',
] as const;

const adjectives = [
  'practical',
  'advanced',
  'modern',
  'essential',
  'hands-on',
  'applied',
  'effective',
  'everyday',
  'inclusive',
  'confident',
  'strategic',
  'secure',
  'scalable',
  'creative',
  'resilient',
  'clear',
  'better',
  'fast',
] as const;

const formats = ['fundamentals', 'in practice', 'masterclass', 'deep dive', 'primer', 'workshop', 'field guide'];

const words = [
  'we',
  'team',
  'learned',
  'today',
  'great',
  'session',
  'thanks',
  'for',
  'sharing',
  'this',
  'idea',
  'question',
  'about',
  'the',
  'next',
  'step',
  'really',
  'helpful',
  'project',
  'update',
  'notes',
  'from',
  'our',
  'meetup',
  'anyone',
  'tried',
  'new',
  'approach',
  'looking',
  'forward',
  'to',
  'it',
  'agree',
  'with',
  'point',
  'on',
  'how',
  'to',
  'improve',
  'process',
  'love',
  'example',
  'slides',
  'recording',
  'available',
  'here',
  'week',
  'plan',
  'goal',
  'progress',
  'check',
  'out',
  'course',
  'module',
  'finished',
  'recommend',
  'everyone',
  'join',
  'us',
] as const;

export const titleCase = (value: string): string =>
  value.replace(/(^|[\s-])([a-z])/g, (_, separator: string, letter: string) => separator + letter.toUpperCase());

/** A sentence of `min`..`max` words, capitalized and terminated. */
export function sentence(rng: Rng, min: number, max: number): string {
  const count = rng.intBetween(min, max);
  const parts: string[] = [];
  for (let i = 0; i < count; i += 1) parts.push(rng.pick(words));
  const text = parts.join(' ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}${rng.chance(0.2) ? '?' : '.'}`;
}

/** One to `maxSentences` sentences. */
export function paragraph(rng: Rng, maxSentences: number): string {
  const count = rng.intBetween(1, maxSentences);
  const parts: string[] = [];
  for (let i = 0; i < count; i += 1) parts.push(sentence(rng, 4, 14));
  return parts.join(' ');
}

/** A title about a topic, e.g. "Practical Python: Deep Dive". */
export function topicTitle(rng: Rng, topic: string): string {
  return titleCase(`${rng.pick(adjectives)} ${topic.replace(/-/g, ' ')}: ${rng.pick(formats)}`);
}

/** `count` distinct tags: single topics first, then topic pairs ("python-security"), shuffled by the seed. */
export function makeTags(rng: Rng, count: number): string[] {
  const tags = new Set<string>(topics);
  for (let i = 0; tags.size < count && i < topics.length * topics.length; i += 1) {
    const a = topics[i % topics.length]!;
    const b = topics[(Math.floor(i / topics.length) + 1 + i) % topics.length]!;
    if (a !== b && `${a}-${b}`.length <= 40) tags.add(`${a}-${b}`);
  }
  const list = [...tags];
  for (let i = list.length - 1; i > 0; i -= 1) {
    const j = rng.int(i + 1);
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list.slice(0, count);
}
