import { describe, expect, it } from 'vitest';
import {
  CohortError,
  MAX_METADATA_BYTES,
  MAX_TAGS,
  createCommunityInputSchema,
  createContentInputSchema,
  createPostInputSchema,
  createUserInputSchema,
  dayOf,
  daySchema,
  newActivityEventSchema,
  newId,
  userPatchSchema,
} from '../src/index.js';
import { parseInput } from '../src/adapter.js';

const authorId = newId();

function rejects(schema: Parameters<typeof parseInput>[0], value: unknown): void {
  try {
    parseInput(schema, value, 'input');
  } catch (error) {
    expect(CohortError.is(error, 'VALIDATION')).toBe(true);
    return;
  }
  expect.fail(`expected VALIDATION for ${JSON.stringify(value)}`);
}

describe('text fields', () => {
  it('are trimmed', () => {
    const user = parseInput(createUserInputSchema, { email: 'a@example.com', displayName: '  Ann Lee \n' }, 'user');
    expect(user.displayName).toBe('Ann Lee');
  });

  it('count length after trimming', () => {
    rejects(createUserInputSchema, { email: 'a@example.com', displayName: '    ' });
  });

  it('reject NUL characters', () => {
    rejects(createUserInputSchema, { email: 'a@example.com', displayName: 'A\u0000B' });
    rejects(createContentInputSchema, { kind: 'course', title: 'x\u0000', authorId });
    rejects(createPostInputSchema, { communityId: newId(), authorId, body: '\u0000' });
  });

  it('keep other control and non-Latin characters', () => {
    const post = parseInput(createPostInputSchema, { communityId: newId(), authorId, body: 'héllo\t世界 🎉' }, 'post');
    expect(post.body).toBe('héllo\t世界 🎉');
  });

  it('are strict about unknown keys', () => {
    rejects(createUserInputSchema, { email: 'a@example.com', displayName: 'A', admin: true });
  });
});

describe('emails and slugs', () => {
  it('lower-case emails', () => {
    expect(parseInput(createUserInputSchema, { email: ' Ann@Example.COM ', displayName: 'A' }, 'u').email).toBe(
      'ann@example.com',
    );
    expect(parseInput(userPatchSchema, { email: 'B@X.IO' }, 'patch').email).toBe('b@x.io');
    rejects(createUserInputSchema, { email: 'not an email', displayName: 'A' });
  });

  it('lower-case slugs and keep them to [a-z0-9-] with inner hyphens', () => {
    const community = parseInput(
      createCommunityInputSchema,
      { slug: ' Data-Club-42 ', name: 'x', ownerId: authorId },
      'c',
    );
    expect(community.slug).toBe('data-club-42');
    for (const slug of ['-lead', 'trail-', 'under_score', 'spa ce', 'é', ''])
      rejects(createCommunityInputSchema, { slug, name: 'x', ownerId: authorId });
  });
});

describe('content tags', () => {
  it('are lower-cased and de-duplicated in first-seen order', () => {
    const content = parseInput(
      createContentInputSchema,
      { kind: 'article', title: 't', authorId, tags: ['Go', 'rust', ' go ', 'GO', 'Rust'] },
      'content',
    );
    expect(content.tags).toEqual(['go', 'rust']);
  });

  it(`allow ${MAX_TAGS} distinct tags, not more`, () => {
    const tags = Array.from({ length: MAX_TAGS }, (_, i) => `tag-${i}`);
    expect(parseInput(createContentInputSchema, { kind: 'video', title: 't', authorId, tags }, 'c').tags).toHaveLength(
      MAX_TAGS,
    );
    rejects(createContentInputSchema, { kind: 'video', title: 't', authorId, tags: [...tags, 'one-more'] });
  });

  it('count duplicates once towards the limit', () => {
    const tags = Array.from({ length: MAX_TAGS }, (_, i) => `tag-${i}`);
    const doubled = [...tags, ...tags.map((tag) => tag.toUpperCase())];
    expect(
      parseInput(createContentInputSchema, { kind: 'video', title: 't', authorId, tags: doubled }, 'c').tags,
    ).toEqual(tags);
  });
});

describe('activity metadata', () => {
  const event = (metadata: unknown) => ({
    actorId: authorId,
    verb: 'viewed',
    object: { type: 'post', id: 'p' },
    metadata,
  });
  const ofJsonBytes = (bytes: number) => ({ note: 'x'.repeat(bytes - '{"note":""}'.length) });

  it(`allows up to ${MAX_METADATA_BYTES} bytes of JSON`, () => {
    const metadata = ofJsonBytes(MAX_METADATA_BYTES);
    expect(new TextEncoder().encode(JSON.stringify(metadata)).length).toBe(MAX_METADATA_BYTES);
    expect(parseInput(newActivityEventSchema, event(metadata), 'e').metadata).toEqual(metadata);
  });

  it('rejects one byte more, counting UTF-8 bytes rather than characters', () => {
    rejects(newActivityEventSchema, event(ofJsonBytes(MAX_METADATA_BYTES + 1)));
    rejects(newActivityEventSchema, event({ note: 'é'.repeat(1100) }));
  });

  it('is a flat map of strings, finite numbers and booleans', () => {
    expect(parseInput(newActivityEventSchema, event({ a: 's', b: 1.5, c: false }), 'e').metadata).toEqual({
      a: 's',
      b: 1.5,
      c: false,
    });
    rejects(newActivityEventSchema, event({ nested: { a: 1 } }));
    rejects(newActivityEventSchema, event({ list: [1] }));
    rejects(newActivityEventSchema, event({ n: Number.POSITIVE_INFINITY }));
    rejects(newActivityEventSchema, event({ 'bad key': 1 }));
    rejects(newActivityEventSchema, event({ s: 'nul\u0000' }));
  });

  it('defaults to an empty map', () => {
    expect(parseInput(newActivityEventSchema, event(undefined), 'e').metadata).toEqual({});
  });
});

describe('days', () => {
  it('are UTC calendar days', () => {
    expect(dayOf(new Date('2030-12-31T23:59:59.999Z'))).toBe('2030-12-31');
    expect(daySchema.safeParse('2030-02-29').success).toBe(false);
    expect(daySchema.safeParse('2032-02-29').success).toBe(true);
    expect(daySchema.safeParse('2030-1-01').success).toBe(false);
  });
});
