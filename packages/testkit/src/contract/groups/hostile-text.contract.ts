import { CohortError, type CohortStore, type Page, type RecordSet } from '@cohort/core';
import { describe, expect, it } from 'vitest';
import type { ContractContext } from '../contract-context.js';
import { expectValidation } from './validation.contract.js';

/** Text that has broken stores before: every sample must come back exactly as written (none has edge whitespace). */
const samples: readonly { readonly name: string; readonly text: string }[] = [
  { name: 'CJK', text: '学习与社区 コミュニティ 학습 공동체' },
  { name: 'right-to-left scripts', text: 'مرحبا بالعالم — שלום עולם' },
  { name: 'combining marks (not normalized)', text: 'Zoe\u0308 vs Zoë, e\u0301te\u0301, Z̸̨a̷l̵g̸o' },
  { name: 'emoji with ZWJ sequences and modifiers', text: '👩‍💻 👨‍👩‍👧‍👦 🏳️‍🌈 👍🏽 🇳🇵' },
  { name: 'quotes', text: `It's "quoted" and \`ticked\` ‘curly’ “too”` },
  { name: 'backslashes', text: 'C:\\path\\to\\file \\n \\0 \\\\ \\u0000 \\"' },
  { name: 'SQL injection', text: "'; DROP TABLE users; --" },
  { name: 'LIKE wildcards', text: '100% of_the _ and % %% __' },
  { name: 'template and expression syntax', text: '${process.exit(1)} {{7*7}} #{x} :val #name $attr' },
  { name: 'HTML', text: '<script>alert("x")</script><b>&amp;&lt;</b>' },
  { name: 'control characters inside', text: 'tab\there\nnew line\r\nCRLF\u0001SOH\u007fDEL\u200bZWSP\u2028LS' },
  { name: 'JSON-looking text', text: '{"$ne": null, "__proto__": {"admin": true}}' },
  { name: 'inner runs of whitespace', text: 'a   b\t\t\tc' },
];

const NUL = 'nul\u0000inside';

/** Every item of a list, page after page. */
async function everyItem<T>(fetch: (cursor: string | null) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await fetch(cursor);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return items;
}

/** Whether any record of a set matches (a full scan: for proving that a rejected write created nothing). */
async function anyRecord<T>(set: RecordSet<T>, matches: (record: T) => boolean): Promise<boolean> {
  return (await everyItem((cursor) => set.scan({ cursor, limit: 100 }))).some(matches);
}

/** The value, or 'VALIDATION' when the call was rejected as invalid input (any other failure fails the test). */
async function valueOrValidation<T>(action: Promise<T>): Promise<T | 'VALIDATION'> {
  try {
    return await action;
  } catch (error) {
    expect(CohortError.is(error, 'VALIDATION'), String(error)).toBe(true);
    return 'VALIDATION';
  }
}

/** Either null or VALIDATION: a lookup with a pattern in it may be rejected, but must never match anything. */
async function expectNoMatch(action: Promise<unknown>): Promise<void> {
  const outcome = await valueOrValidation(action);
  if (outcome !== 'VALIDATION') expect(outcome).toBeNull();
}

export function hostileTextContract(context: ContractContext): void {
  const { fixtures } = context;
  const store = (): CohortStore => context.store();

  describe('hostile text', () => {
    describe('round-trips unchanged', () => {
      it.each(samples)('$name, through every free-text field', async ({ text }) => {
        const user = await fixtures.user({ displayName: text });
        expect(user.displayName, 'users.displayName as returned').toBe(text);
        expect((await store().users.getById(user.id))?.displayName, 'users.displayName').toBe(text);
        const renamed = await store().users.update(user.id, { displayName: `${text}!` }, user.version);
        expect((await store().users.findByEmail(renamed.email))?.displayName, 'users.displayName updated').toBe(
          `${text}!`,
        );

        const content = await fixtures.content({ title: text, summary: text });
        const storedContent = await store().contents.getById(content.id);
        expect(storedContent?.title, 'content.title').toBe(text);
        expect(storedContent?.summary, 'content.summary').toBe(text);
        await store().contents.update(content.id, { summary: `${text} v2`, status: 'published' }, content.version);
        const [listed] = (await store().contents.listPublished({ authorId: content.authorId })).items;
        expect(listed?.summary, 'content.summary updated').toBe(`${text} v2`);

        const community = await fixtures.community({ name: text, description: text });
        const storedCommunity = await store().communities.getBySlug(community.slug);
        expect(storedCommunity?.name, 'community.name').toBe(text);
        expect(storedCommunity?.description, 'community.description').toBe(text);

        const post = await fixtures.post({ communityId: community.id, body: text });
        expect((await store().posts.getById(post.id))?.body, 'post.body').toBe(text);
        expect(
          (await store().posts.feed(community.id)).items.map((item) => item.body),
          'post.body in feed',
        ).toEqual([text]);
        await store().posts.update(post.id, { body: `${text} (edited)` }, post.version);
        expect((await store().posts.getById(post.id))?.body, 'post.body updated').toBe(`${text} (edited)`);

        await store().posts.addComment(post.id, { authorId: fixtures.id(), body: text });
        const comments = (await store().posts.listComments(post.id)).items;
        expect(
          comments.map((comment) => comment.body),
          'comment.body',
        ).toEqual([text]);

        const event = await fixtures.event({ title: text, description: text });
        const storedEvent = await store().events.getById(event.id);
        expect(storedEvent?.title, 'event.title').toBe(text);
        expect(storedEvent?.description, 'event.description').toBe(text);
      });

      it.each(samples)('$name, through activity object ids and metadata values', async ({ text }) => {
        const actorId = fixtures.id();
        const objectId = `${fixtures.unique()} ${text}`;
        const activity = fixtures.activity({
          actorId,
          object: { type: 'post', id: objectId },
          metadata: { note: text, 'x.y-z_1': `  ${text}  ` },
        });
        await store().activity.append([activity]);
        const [stored] = (await store().activity.listByActor(actorId)).items;
        expect(stored?.object, 'object').toEqual({ type: 'post', id: objectId });
        expect(stored?.metadata, 'metadata (values are not trimmed)').toEqual({
          note: text,
          'x.y-z_1': `  ${text}  `,
        });
        const byObject = (await store().activity.listByObject({ type: 'post', id: objectId })).items;
        expect(byObject.map((item) => item.id)).toEqual([activity.id]);
      });

      it('keeps metadata numbers, booleans and empty strings exactly', async () => {
        const metadata = {
          ratio: 0.30000000000000004,
          big: Number.MAX_SAFE_INTEGER,
          negative: -42.5,
          zero: 0,
          yes: true,
          no: false,
          empty: '',
          numeric: '007',
          '0': 'key that looks like an index',
        };
        const activity = fixtures.activity({ metadata });
        await store().activity.append([activity]);
        const [stored] = (await store().activity.listByActor(activity.actorId)).items;
        expect(stored?.metadata).toEqual(metadata);
        expect(typeof stored?.metadata.numeric).toBe('string');
        expect(typeof stored?.metadata.no).toBe('boolean');
      });

      it('keeps the extremes of finite metadata numbers', async () => {
        const metadata = { smallest: Number.MIN_VALUE, largest: Number.MAX_VALUE, negative: -Number.MAX_VALUE };
        const activity = fixtures.activity({ metadata });
        await store().activity.append([activity]);
        const [stored] = (await store().activity.listByActor(activity.actorId)).items;
        expect(stored?.metadata).toEqual(metadata);
      });

      it('keeps emails with quotes, plus signs and underscores and finds them exactly', async () => {
        const unique = fixtures.unique();
        for (const email of [
          `o'brien-${unique}@example.com`,
          `a+b-${unique}@example.com`,
          `a_b-${unique}@example.com`,
        ]) {
          const user = await store().users.create({ email, displayName: 'Hostile email' });
          expect(user.email).toBe(email);
          expect((await store().users.findByEmail(email))?.id).toBe(user.id);
          expect((await store().users.findByEmail(email.toUpperCase()))?.id).toBe(user.id);
        }
      });

      it('keeps text at the maximum length in multi-byte characters', async () => {
        const displayName = '語'.repeat(100);
        const user = await fixtures.user({ displayName });
        expect((await store().users.getById(user.id))?.displayName).toBe(displayName);
        const emojiName = '😀'.repeat(50);
        const emojiUser = await fixtures.user({ displayName: emojiName });
        expect((await store().users.getById(emojiUser.id))?.displayName).toBe(emojiName);

        const description = '🎉'.repeat(1000);
        const community = await fixtures.community({ name: 'ü'.repeat(120), description });
        const storedCommunity = await store().communities.getById(community.id);
        expect(storedCommunity?.description).toBe(description);
        expect(storedCommunity?.name).toBe('ü'.repeat(120));

        const body = '𝄞'.repeat(5000);
        const post = await fixtures.post({ communityId: community.id, body });
        expect((await store().posts.getById(post.id))?.body).toBe(body);
        const commentBody = 'ß'.repeat(5000);
        await store().posts.addComment(post.id, { authorId: fixtures.id(), body: commentBody });
        expect((await store().posts.listComments(post.id)).items[0]?.body).toBe(commentBody);

        const title = '漢'.repeat(200);
        const content = await fixtures.content({ title, summary: '€'.repeat(2000) });
        expect((await store().contents.getById(content.id))?.title).toBe(title);
        expect((await store().contents.getById(content.id))?.summary).toBe('€'.repeat(2000));

        const activity = fixtures.activity({
          object: { type: 'comment', id: '🙂'.repeat(50) },
          metadata: { note: 'é'.repeat(1000) },
        });
        await store().activity.append([activity]);
        const [stored] = (await store().activity.listByActor(activity.actorId)).items;
        expect(stored?.object.id).toBe('🙂'.repeat(50));
        expect(stored?.metadata).toEqual({ note: 'é'.repeat(1000) });
      });
    });

    describe('a NUL character is VALIDATION and nothing is written', () => {
      const cases: { name: string; run: () => Promise<void> }[] = [
        {
          name: 'in a new user’s displayName',
          run: async () => {
            const email = fixtures.email();
            await expectValidation(store().users.create({ email, displayName: NUL }), 'displayName');
            expect(await store().users.findByEmail(email)).toBeNull();
          },
        },
        {
          name: 'at the end of a displayName in a patch',
          run: async () => {
            const user = await fixtures.user();
            await expectValidation(store().users.update(user.id, { displayName: 'trailing\u0000' }, 1), 'displayName');
            expect(await store().users.getById(user.id)).toEqual(user);
          },
        },
        {
          name: 'in a content title',
          run: async () => {
            const authorId = fixtures.id();
            await expectValidation(store().contents.create({ kind: 'course', title: NUL, authorId }), 'title');
            expect(await anyRecord(store().recordSets.contents, (content) => content.authorId === authorId)).toBe(
              false,
            );
          },
        },
        {
          name: 'in a content summary patch',
          run: async () => {
            const content = await fixtures.content();
            await expectValidation(store().contents.update(content.id, { summary: NUL }, 1), 'summary');
            expect(await store().contents.getById(content.id)).toEqual(content);
          },
        },
        {
          name: 'in a community name',
          run: async () => {
            const slug = fixtures.slug();
            await expectValidation(store().communities.create({ slug, name: NUL, ownerId: fixtures.id() }), 'name');
            expect(await store().communities.getBySlug(slug)).toBeNull();
          },
        },
        {
          name: 'in a community description',
          run: async () => {
            const slug = fixtures.slug();
            await expectValidation(
              store().communities.create({ slug, name: 'Fine', description: NUL, ownerId: fixtures.id() }),
              'description',
            );
            expect(await store().communities.getBySlug(slug)).toBeNull();
          },
        },
        {
          name: 'in a post body',
          run: async () => {
            const community = await fixtures.community();
            await expectValidation(
              store().posts.create({ communityId: community.id, authorId: fixtures.id(), body: NUL }),
              'body',
            );
            expect((await store().posts.feed(community.id)).items).toEqual([]);
          },
        },
        {
          name: 'in a comment body',
          run: async () => {
            const post = await fixtures.post();
            await expectValidation(store().posts.addComment(post.id, { authorId: fixtures.id(), body: NUL }), 'body');
            expect((await store().posts.listComments(post.id)).items).toEqual([]);
            expect((await store().posts.getById(post.id))?.commentCount).toBe(0);
          },
        },
        {
          name: 'in an event title',
          run: async () => {
            const community = await fixtures.community();
            await expectValidation(fixtures.event({ title: NUL, communityId: community.id }), 'title');
            expect((await store().events.listUpcoming({ from: new Date(0), communityId: community.id })).items).toEqual(
              [],
            );
          },
        },
        {
          name: 'in an activity metadata value',
          run: async () => {
            const activity = fixtures.activity({ metadata: { note: NUL } });
            await expectValidation(store().activity.append([activity]), 'metadata');
            expect((await store().activity.listByActor(activity.actorId)).items).toEqual([]);
          },
        },
        {
          name: 'in an activity object id',
          run: async () => {
            const activity = fixtures.activity({ object: { type: 'post', id: NUL } });
            await expectValidation(store().activity.append([activity]), 'object');
            expect((await store().activity.listByActor(activity.actorId)).items).toEqual([]);
          },
        },
      ];
      it.each(cases)('$name', async ({ run }) => {
        await run();
      });
    });

    describe('an over-long field is VALIDATION before any write', () => {
      const cases: { name: string; run: () => Promise<void> }[] = [
        {
          name: 'a displayName of 101 characters',
          run: async () => {
            const email = fixtures.email();
            await expectValidation(store().users.create({ email, displayName: '語'.repeat(101) }), 'displayName');
            expect(await store().users.findByEmail(email)).toBeNull();
          },
        },
        {
          name: 'a displayName patch of 101 characters',
          run: async () => {
            const user = await fixtures.user();
            await expectValidation(store().users.update(user.id, { displayName: 'x'.repeat(101) }, 1), 'displayName');
            expect(await store().users.getById(user.id)).toEqual(user);
          },
        },
        {
          name: 'a content title of 201 characters',
          run: async () => {
            const authorId = fixtures.id();
            await expectValidation(
              store().contents.create({ kind: 'video', title: 'x'.repeat(201), authorId }),
              'title',
            );
            expect(await anyRecord(store().recordSets.contents, (content) => content.authorId === authorId)).toBe(
              false,
            );
          },
        },
        {
          name: 'a community name of 121 characters',
          run: async () => {
            const slug = fixtures.slug();
            await expectValidation(
              store().communities.create({ slug, name: 'x'.repeat(121), ownerId: fixtures.id() }),
              'name',
            );
            expect(await store().communities.getBySlug(slug)).toBeNull();
          },
        },
        {
          name: 'a post body of 10,001 characters',
          run: async () => {
            const community = await fixtures.community();
            await expectValidation(
              store().posts.create({ communityId: community.id, authorId: fixtures.id(), body: 'x'.repeat(10_001) }),
              'body',
            );
            expect((await store().posts.feed(community.id)).items).toEqual([]);
          },
        },
        {
          name: 'a comment body of 5,001 characters',
          run: async () => {
            const post = await fixtures.post();
            await expectValidation(
              store().posts.addComment(post.id, { authorId: fixtures.id(), body: 'x'.repeat(5001) }),
              'body',
            );
            expect((await store().posts.getById(post.id))?.commentCount).toBe(0);
          },
        },
        {
          name: 'an activity object id of 101 characters',
          run: async () => {
            const activity = fixtures.activity({ object: { type: 'post', id: 'x'.repeat(101) } });
            await expectValidation(store().activity.append([activity]), 'object');
            expect((await store().activity.listByActor(activity.actorId)).items).toEqual([]);
          },
        },
        {
          name: 'metadata over 2 KB in UTF-8 though under 2,048 characters',
          run: async () => {
            const activity = fixtures.activity({ metadata: { note: 'é'.repeat(1020) } });
            await expectValidation(store().activity.append([activity]), 'metadata');
            expect((await store().activity.listByActor(activity.actorId)).items).toEqual([]);
          },
        },
      ];
      it.each(cases)('$name', async ({ run }) => {
        await run();
      });
    });

    describe('lookups treat wildcards and patterns as plain text', () => {
      it('findByEmail does not treat _ as a wildcard', async () => {
        const unique = fixtures.unique();
        await store().users.create({ email: `ab-${unique}@example.com`, displayName: 'Plain' });
        expect(await store().users.findByEmail(`a_-${unique}@example.com`)).toBeNull();
        expect(await store().users.findByEmail(`__-${unique}@example.com`)).toBeNull();
        await expectNoMatch(store().users.findByEmail(`ab-${unique}@example.co_`));
      });

      it('findByEmail with % matches nobody', async () => {
        const user = await fixtures.user();
        const [local, domain] = user.email.split('@') as [string, string];
        await expectNoMatch(store().users.findByEmail(`%@${domain}`));
        await expectNoMatch(store().users.findByEmail(`${local.slice(0, 5)}%@${domain}`));
        await expectNoMatch(store().users.findByEmail('%'));
        await expectNoMatch(store().users.findByEmail(`${local}@%`));
      });

      it('findByEmail does not treat . as a regular-expression wildcard', async () => {
        const unique = fixtures.unique();
        await store().users.create({ email: `dotx-${unique}@example.com`, displayName: 'Plain' });
        expect(await store().users.findByEmail(`dot.-${unique}@example.com`)).toBeNull();
        await expectNoMatch(store().users.findByEmail(`dotx-${unique}@exampl.-com`));
        expect(await store().users.findByEmail(`dotx-${unique}@example.coo`)).toBeNull();
      });

      it('getBySlug and the tag filter match nothing for patterns', async () => {
        const community = await fixtures.community();
        await expectNoMatch(store().communities.getBySlug('%'));
        await expectNoMatch(store().communities.getBySlug(`${community.slug.slice(0, -1)}_`));
        await expectNoMatch(store().communities.getBySlug(`${community.slug.slice(0, 10)}.*`));
        const tag = fixtures.tag();
        await fixtures.publishedContent({ tags: [tag] });
        const byPattern = await valueOrValidation(store().contents.listPublished({ tag: `${tag.slice(0, -1)}_` }));
        if (byPattern !== 'VALIDATION') expect(byPattern.items).toEqual([]);
        expect(await store().contents.listPublished({ tag: tag.slice(0, -1) })).toEqual({
          items: [],
          nextCursor: null,
        });
      });

      it('listByObject matches the object id exactly: no wildcards, no prefixes, case kept', async () => {
        const unique = fixtures.unique();
        const ids = [`${unique}-abc`, `${unique}-a_c`, `${unique}-a%`, `${unique}-ABC`, `${unique}-a.c`];
        const events = ids.map((id) => fixtures.activity({ object: { type: 'content', id } }));
        await store().activity.append(events);
        const find = async (id: string) =>
          (await store().activity.listByObject({ type: 'content', id })).items.map((item) => item.object.id);
        for (const id of ids) expect(await find(id), id).toEqual([id]);
        expect(await find(`${unique}-%`)).toEqual([]);
        expect(await find(`${unique}-a__`)).toEqual([]);
        expect(await find(`${unique}-.*`)).toEqual([]);
        expect(await find(`${unique}-ab`)).toEqual([]);
        expect(await find(unique)).toEqual([]);
        expect(
          (await store().activity.listByObject({ type: 'post', id: `${unique}-abc` })).items,
          'another object type',
        ).toEqual([]);
      });
    });
  });
}
