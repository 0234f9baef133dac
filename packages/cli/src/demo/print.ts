import type { RecordSetName } from '@cohort/core';
import type { DemoFeedPost, DemoOutcome, DemoRefusal } from './scenario.js';

/** How many feed pages are printed in full; the rest are summed up in one line. */
const PAGES_SHOWN = 2;
const number = new Intl.NumberFormat('en-US');

const seededLabels: Readonly<Record<RecordSetName, string>> = {
  users: 'users',
  contents: 'contents',
  enrollments: 'enrollments',
  events: 'events',
  registrations: 'registrations',
  communities: 'communities',
  memberships: 'memberships',
  posts: 'posts',
  comments: 'comments',
  reactions: 'reactions',
  activity: 'activity events',
  activityCounts: 'daily counters',
};

/** The seeded record counts on one or two lines. */
export function formatSeeded(seeded: Readonly<Record<RecordSetName, number>>): string {
  return (Object.keys(seededLabels) as RecordSetName[])
    .map((name) => `${number.format(seeded[name])} ${seededLabels[name]}`)
    .join(' · ');
}

/** The scripted day as the demo prints it: one section per use case, then the daily counts table. */
export function formatOutcome(outcome: DemoOutcome): string {
  const lines: string[] = [];
  const out = (line = '') => lines.push(line);
  const date = new Date(`${outcome.day}T00:00:00.000Z`).toLocaleDateString('en-GB', {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });
  out(`── A day on the platform: ${date} (UTC) ${'─'.repeat(Math.max(0, 60 - date.length))}`);

  out();
  out('People');
  const names = outcome.people.map((person) =>
    person.role === 'learner' ? person.name : `${person.name} (${person.role})`,
  );
  out(`  ${outcome.people.length} people signed up:`);
  wrapList(names, 100, '    ').forEach((line) => out(line));
  refusalsFor(outcome.refusals, 'sign up').forEach((refusal) => out(refusalLine(refusal)));

  const { course } = outcome;
  out();
  out(`Course "${course.title}" [${course.tags.join(', ')}]: ${course.status}`);
  const width = Math.max(...course.learners.map((learner) => learner.name.length));
  for (const learner of course.learners) {
    const done = learner.status === 'completed' ? 'completed' : '';
    out(
      `  ${learner.name.padEnd(width)}  ${bar(learner.progress)} ${String(learner.progress).padStart(3)}%  ${done}`.trimEnd(),
    );
  }
  out(`  enrolled ${course.enrolled} · completed ${course.completed}`);

  const { event } = outcome;
  out();
  out(`Event "${event.title}": ${event.capacity} seats, hosted by ${event.host}`);
  const registrantWidth = Math.max(...event.registrations.map((registration) => registration.name.length));
  for (const registration of event.registrations) {
    out(`  #${registration.position} ${registration.name.padEnd(registrantWidth)}  ${registration.status}`);
  }
  out(`  ${event.cancelledBy} cancels → ${event.promoted}, first on the waitlist, gets the seat`);
  out(`  now ${event.registeredCount} registered: ${event.registeredAfter.join(', ')}`);
  out(`  waitlist ${event.waitlistCount}: ${event.waitlistAfter.join(', ') || '(empty)'}`);

  const guild = outcome.privateCommunity;
  out();
  out(`Private community "${guild.name}": members ${guild.members.join(', ')} (${plural(guild.memberPosts, 'post')})`);
  refusalsFor(outcome.refusals, guild.name).forEach((refusal) => out(refusalLine(refusal)));

  const { community, feed } = outcome;
  out();
  out(
    `Community "${community.name}": ${community.joined.length} people joined (now ${number.format(community.memberCount)} members)`,
  );
  out(
    `  ${plural(community.posted, 'post')}, ${plural(community.commented, 'comment')}, ${plural(community.reacted, 'reaction')}`,
  );
  out();
  const postCount = feed.pages.reduce((sum, page) => sum + page.length, 0);
  out(
    `Feed of "${feed.community}" read by ${feed.reader}, newest first, ${feed.pageSize} a page: ${plural(postCount, 'post')} on ${plural(feed.pages.length, 'page')}`,
  );
  feed.pages.slice(0, PAGES_SHOWN).forEach((page, index) => {
    out(`  page ${index + 1}`);
    page.forEach((post) => out(feedLine(post)));
  });
  const rest = feed.pages.slice(PAGES_SHOWN);
  if (rest.length > 0) {
    const more = rest.reduce((sum, page) => sum + page.length, 0);
    const range = rest.length === 1 ? `page ${PAGES_SHOWN + 1}` : `pages ${PAGES_SHOWN + 1}–${feed.pages.length}`;
    out(`  ${range}: ${more} older posts`);
  }

  const { activity } = outcome;
  out();
  out(`Activity log, daily counters ${activity.from} … ${activity.to}`);
  const header = ['day', ...activity.columns, 'total'];
  const rows = activity.rows.map((row) => [
    row.day,
    ...activity.columns.map((column) => number.format(row.counts[column] ?? 0)),
    number.format(row.total),
  ]);
  table(header, rows).forEach((line) => out(`  ${line}`));
  out(`  ${activity.to} is the scripted day: the services appended ${activity.appendedToday} events to the log`);
  return lines.join('\n');
}

function refusalsFor(refusals: readonly DemoRefusal[], about: string): DemoRefusal[] {
  return refusals.filter((refusal) => refusal.action.includes(about));
}

function refusalLine(refusal: DemoRefusal): string {
  const verdict = refusal.code === 'ALLOWED' ? 'allowed (!)' : `refused: ${refusal.code}`;
  return `  ✗ ${refusal.actor} tries to ${refusal.action} → ${verdict}`;
}

function feedLine(post: DemoFeedPost): string {
  const body = post.body.replace(/\s+/g, ' ');
  const text = body.length > 64 ? `${body.slice(0, 63)}…` : body;
  return `    ${post.author.slice(0, 22).padEnd(22)} ${text.padEnd(64)}  ${plural(post.comments, 'comment')}, ${plural(post.reactions, 'reaction')}`;
}

function plural(count: number, noun: string): string {
  return `${number.format(count)} ${noun}${count === 1 ? '' : 's'}`;
}

function bar(progress: number): string {
  const filled = Math.round(progress / 10);
  return `${'█'.repeat(filled)}${'░'.repeat(10 - filled)}`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  return [line(header), ...rows.map(line)];
}

/** Joins items with ", " into lines of at most `width` characters, breaking only between items. */
function wrapList(items: readonly string[], width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    const next = line === '' ? item : `${line}, ${item}`;
    if (indent.length + next.length + 1 > width && line !== '') {
      lines.push(`${line},`);
      line = item;
    } else {
      line = next;
    }
  }
  if (line !== '') lines.push(line);
  return lines.map((text) => `${indent}${text}`);
}
