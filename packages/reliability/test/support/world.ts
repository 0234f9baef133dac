import { newId } from '@cohort/core';

/** The kinds of entity a store mints ids for: the differential tests name them instead of comparing ids. */
export type EntityKind = 'user' | 'content' | 'event' | 'community' | 'post' | 'comment';

/** A reference drawn by a generator: an index into the entities of a kind created so far, or -1 for a missing one. */
export type Ref = number;

/** One entity created by a run, known by a symbolic name and by the id each store gave it. */
export interface Symbolic {
  readonly name: string;
  readonly model: string;
  readonly real: string;
}

/** Which of the two stores of a differential run. */
export type SideName = 'model' | 'real';

export const DAY = 86_400_000;
export const HOUR = 3_600_000;

/** How many days a run's activity window spans; windows of successive runs never overlap. */
export const WINDOW_DAYS = 8;

// Activity counters are per day for the whole store, and a real store is shared by every run of a property: each run
// gets days of its own, after those of every earlier run of this process.
const FIRST_WINDOW = Date.UTC(2031, 0, 1);
let windowsTaken = 0;

/**
 * What one run knows: its unique tokens (emails, slugs, tags and activity objects nobody else uses), a pool of user
 * ids for the contexts that do not check users, and the entities it created with the id each store gave them.
 */
export class World {
  /** A token that makes this run's emails, slugs, tags and object ids unique in a shared store. */
  readonly tag: string;
  /** User ids for registrations, memberships, enrollments, reactions and activity (stores do not check users). */
  readonly actors: readonly string[];
  /** Activity ids for idempotent appends: the same index means the same event. */
  readonly activityIds: readonly string[];
  /** An id no store holds. */
  readonly missing: string;
  /** Midnight (UTC) of the first day of this run's activity window. */
  readonly windowStart: Date;
  private readonly entities = new Map<EntityKind, Symbolic[]>();
  private readonly names = new Map<string, string>();

  constructor(actorCount = 4, activityIdCount = 6) {
    this.tag = newId().slice(-10);
    this.actors = Array.from({ length: actorCount }, () => newId());
    this.activityIds = Array.from({ length: activityIdCount }, () => newId());
    this.missing = newId();
    this.windowStart = new Date(FIRST_WINDOW + windowsTaken * WINDOW_DAYS * DAY);
    windowsTaken += 1;
    this.actors.forEach((id, index) => this.names.set(id, `actor${index}`));
    this.activityIds.forEach((id, index) => this.names.set(id, `activity${index}`));
    this.names.set(this.missing, 'missing');
  }

  /** Records an entity both stores created, under the next name of its kind. */
  add(kind: EntityKind, model: string, real: string): Symbolic {
    const list = this.entities.get(kind) ?? [];
    const entity = { name: `${kind}${list.length}`, model, real };
    list.push(entity);
    this.entities.set(kind, list);
    this.names.set(model, entity.name);
    this.names.set(real, entity.name);
    return entity;
  }

  all(kind: EntityKind): readonly Symbolic[] {
    return this.entities.get(kind) ?? [];
  }

  /** The id of `ref` on one side; the missing id when the run has none of that kind or `ref` is negative. */
  id(kind: EntityKind, ref: Ref, side: SideName): string {
    const list = this.all(kind);
    if (ref < 0 || list.length === 0) return this.missing;
    const entity = list[ref % list.length] as Symbolic;
    return entity[side];
  }

  /** The symbolic name of an id (either store's), if the run knows it. */
  nameOf(id: string): string | undefined {
    return this.names.get(id);
  }

  actor(index: number): string {
    return this.actors[index % this.actors.length] as string;
  }

  /** A run-unique email; `upper` spells it in capitals, which must still be the same email. */
  email(key: number, upper = false): string {
    const email = `e${key}-${this.tag}@example.com`;
    return upper ? email.toUpperCase() : email;
  }

  slug(key: number, upper = false): string {
    const slug = `s${key}-${this.tag}`;
    return upper ? slug.toUpperCase() : slug;
  }

  contentTag(key: number): string {
    return `t${key}-${this.tag}`;
  }

  objectId(key: number): string {
    return `o${key}-${this.tag}`;
  }

  /** An instant `days` days and `hours` hours into the run's window. */
  at(days: number, hours = 0): Date {
    return new Date(this.windowStart.getTime() + days * DAY + hours * HOUR);
  }

  day(days: number): string {
    return this.at(days).toISOString().slice(0, 10);
  }
}
