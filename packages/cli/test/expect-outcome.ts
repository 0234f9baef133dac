import { expect } from 'vitest';
import type { DemoOutcome } from '../src/index.js';

/** What the scripted day must come to on every wiring. */
export function expectDemoOutcome(outcome: DemoOutcome): void {
  expect(outcome.people).toHaveLength(10);

  expect(outcome.course).toMatchObject({ status: 'published', enrolled: 4, completed: 2 });
  expect(outcome.course.tags).toEqual(['architecture', 'data', 'dynamodb']);
  expect(outcome.course.learners).toEqual([
    { name: 'Grace Hopper', progress: 100, status: 'completed' },
    { name: 'Alan Turing', progress: 100, status: 'completed' },
    { name: 'Margaret Hamilton', progress: 60, status: 'enrolled' },
    { name: 'Edsger Dijkstra', progress: 25, status: 'enrolled' },
  ]);

  const { event } = outcome;
  expect(event.capacity).toBe(5);
  expect(event.registrations).toHaveLength(8);
  expect(event.registrations.filter((registration) => registration.status === 'registered')).toHaveLength(5);
  expect(event.registrations.filter((registration) => registration.status === 'waitlisted')).toEqual([
    { name: 'Donald Knuth', position: 6, status: 'waitlisted' },
    { name: 'Frances Allen', position: 7, status: 'waitlisted' },
    { name: 'Ken Thompson', position: 8, status: 'waitlisted' },
  ]);
  expect(event.cancelledBy).toBe('Alan Turing');
  expect(event.promoted).toBe('Donald Knuth');
  expect(event.registeredAfter).toEqual([
    'Grace Hopper',
    'Margaret Hamilton',
    'Edsger Dijkstra',
    'Barbara Liskov',
    'Donald Knuth',
  ]);
  expect(event.waitlistAfter).toEqual(['Frances Allen', 'Ken Thompson']);
  expect([event.registeredCount, event.waitlistCount]).toEqual([5, 2]);

  expect(outcome.refusals).toEqual([
    { actor: 'Grace Hopper', action: 'sign up again as GRACE@example.com', code: 'CONFLICT' },
    { actor: 'Linus Torvalds', action: 'read the Platform Guild feed', code: 'FORBIDDEN' },
    { actor: 'Linus Torvalds', action: 'join the Platform Guild', code: 'FORBIDDEN' },
    { actor: 'Linus Torvalds', action: 'post in the Platform Guild', code: 'FORBIDDEN' },
  ]);
  expect(outcome.privateCommunity).toEqual({
    name: 'Platform Guild',
    members: ['Ada Lovelace', 'Grace Hopper'],
    memberPosts: 1,
  });

  expect(outcome.community).toMatchObject({ posted: 3, commented: 4, reacted: 6 });
  const { pages } = outcome.feed;
  expect(pages.length).toBeGreaterThan(2);
  expect(pages.slice(0, -1).every((page) => page.length === outcome.feed.pageSize)).toBe(true);
  expect(pages[0]?.slice(0, 3).map((post) => [post.author, post.comments, post.reactions])).toEqual([
    ['Ada Lovelace', 1, 1],
    ['Grace Hopper', 1, 1],
    ['Margaret Hamilton', 2, 4],
  ]);

  const { activity } = outcome;
  expect(activity.rows.map((row) => row.day)).toEqual([
    '2026-05-26',
    '2026-05-27',
    '2026-05-28',
    '2026-05-29',
    '2026-05-30',
    '2026-05-31',
    '2026-06-01',
  ]);
  for (const row of activity.rows) {
    expect(Object.values(row.counts).reduce((sum, count) => sum + count, 0)).toBe(row.total);
  }
  const today = activity.rows.at(-1)!;
  expect(today.counts).toMatchObject({ enrolled: 4, completed: 2, registered: 5, posted: 4, commented: 4, reacted: 6 });
  expect(today.total).toBe(56);
  expect(activity.appendedToday).toBe(56);
  expect(activity.rows.slice(0, -1).every((row) => row.total > 0)).toBe(true);
}
