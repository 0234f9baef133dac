import {
  CohortError,
  listRegistrationsFilterSchema,
  listUpcomingFilterSchema,
  type Clock,
  type CreateEventInput,
  type Event,
  type EventPatch,
  type EventRepository,
  type ListRegistrationsFilter,
  type ListUpcomingFilter,
  type Page,
  type PageRequest,
  type Registration,
} from '@cohort/core';
import {
  admissionFor,
  applyEventPatch,
  atExpectedVersion,
  listScope,
  newEvent,
  pagedLists,
  parseEventPatch,
  parseExpectedVersion,
  parseId,
  parseInput,
  parsePageRequest,
  seatsToPromote,
  toPage,
} from '@cohort/core/adapter';
import { SqlParams, readCursor } from '../shared/keyset.js';
import { Rollback, type PostgresClient, type SqlExecutor } from '../shared/postgres-client.js';
import { jsonRows, sqlTime } from '../shared/sql-values.js';
import { tableSql, type TableSql } from '../shared/table-sql.js';
import {
  eventColumns,
  eventFromEntity,
  eventToEntity,
  registrationColumns,
  registrationFromEntity,
  type EventRow,
  type RegistrationRow,
} from './event.mapper.js';

/**
 * Seats are counted in SQL: a registration takes a seat with one guarded UPDATE of the event row
 * (`registered_count < capacity`), and every change to the counters happens in the transaction that writes the
 * registrations they count. Lock order is always the event row first, then registrations, so cancel, register and
 * capacity changes never deadlock one another.
 */
export class PostgresEventRepository implements EventRepository {
  private readonly events: TableSql<EventRow>;
  private readonly registrations: TableSql<RegistrationRow>;

  constructor(
    private readonly db: PostgresClient,
    private readonly clock: Clock,
  ) {
    this.events = tableSql(db.tables.events, eventColumns, ['id']);
    this.registrations = tableSql(db.tables.registrations, registrationColumns, ['eventId', 'userId']);
  }

  async create(input: CreateEventInput): Promise<Event> {
    const event = newEvent(input, this.clock.now());
    const { rows } = await this.db.query<EventRow>(`${this.events.insertRows()} RETURNING ${this.events.select}`, [
      jsonRows(eventColumns, [eventToEntity(event)]),
    ]);
    return eventFromEntity(rows[0] as EventRow);
  }

  async getById(id: string): Promise<Event | null> {
    const eventId = parseId(id);
    const { rows } = await this.db.query<EventRow>(
      `SELECT ${this.events.select} FROM ${this.events.table} WHERE id = $1`,
      [eventId],
    );
    return rows[0] ? eventFromEntity(rows[0]) : null;
  }

  async update(id: string, patch: EventPatch, expectedVersion: number): Promise<Event> {
    const eventId = parseId(id);
    const parsed = parseEventPatch(patch);
    const version = parseExpectedVersion(expectedVersion);
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      // The row lock holds off registrations while the new capacity and the promotions are worked out.
      const current = atExpectedVersion(await this.lockEvent(tx, eventId), 'Event', eventId, version);
      const next = applyEventPatch(current, parsed, now);
      const promoted = await this.promote(tx, eventId, seatsToPromote(next), now);
      const { rows } = await tx.query<EventRow>(
        `UPDATE ${this.events.table}
            SET title = $2, description = $3, starts_at = $4, ends_at = $5, capacity = $6, status = $7,
                registered_count = registered_count + $8, waitlist_count = waitlist_count - $8,
                updated_at = $9, version = version + 1
          WHERE id = $1
        RETURNING ${this.events.select}`,
        [
          eventId,
          next.title,
          next.description,
          sqlTime(next.startsAt),
          sqlTime(next.endsAt),
          next.capacity,
          next.status,
          promoted,
          sqlTime(next.updatedAt),
        ],
      );
      return eventFromEntity(rows[0] as EventRow);
    });
  }

  async listUpcoming(filter: ListUpcomingFilter, page?: PageRequest): Promise<Page<Event>> {
    const { from, communityId } = parseInput(listUpcomingFilterSchema, filter, 'listUpcoming filter');
    const { cursor, limit } = parsePageRequest(page);
    const scope = listScope('events.listUpcoming', from.getTime(), communityId);
    const params = new SqlParams();
    const where = [`status = 'scheduled'`, `starts_at >= ${params.add(sqlTime(from))}::timestamptz`];
    if (communityId !== undefined) where.push(`community_id = ${params.add(communityId)}`);
    if (cursor) {
      const [startsAt, id] = readCursor(scope, cursor, pagedLists['events.listUpcoming']);
      where.push(`(starts_at, id) > (${params.add(sqlTime(startsAt))}::timestamptz, ${params.add(id)}::uuid)`);
    }
    const { rows } = await this.db.query<EventRow>(
      `SELECT ${this.events.select} FROM ${this.events.table}
        WHERE ${where.join(' AND ')}
        ORDER BY starts_at, id
        LIMIT ${params.add(limit + 1)}`,
      params.values,
    );
    return toPage(rows.map(eventFromEntity), limit, scope, (event) => [event.startsAt.getTime(), event.id]);
  }

  async register(eventId: string, userId: string): Promise<Registration> {
    const event = parseId(eventId, 'eventId');
    const user = parseId(userId, 'userId');
    const now = this.clock.now();
    return this.db.transaction<Registration>(async (tx) => {
      const existing = await this.findRegistration(tx, event, user);
      if (existing && existing.status !== 'cancelled') return existing;
      const { status, position } = await this.takePlace(tx, event);
      // A concurrent register of the same user may have inserted first: then only a cancelled row is replaced, and
      // when nothing was written the seat taken above is given back by rolling back.
      const { rows } = await tx.query<RegistrationRow>(
        `INSERT INTO ${this.registrations.table} AS r (event_id, user_id, status, position, registered_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5)
         ON CONFLICT (event_id, user_id) DO UPDATE
            SET status = EXCLUDED.status, position = EXCLUDED.position,
                registered_at = EXCLUDED.registered_at, updated_at = EXCLUDED.updated_at
          WHERE r.status = 'cancelled'
        RETURNING ${this.registrations.select}`,
        [event, user, status, position, sqlTime(now)],
      );
      if (rows[0]) return registrationFromEntity(rows[0]);
      const winner = await this.findRegistration(tx, event, user);
      if (!winner) throw CohortError.unavailable(`Registration ${event}/${user} vanished during register; try again`);
      return new Rollback(winner);
    });
  }

  async cancelRegistration(eventId: string, userId: string): Promise<Registration> {
    const event = parseId(eventId, 'eventId');
    const user = parseId(userId, 'userId');
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const current = await this.lockEvent(tx, event);
      const registration = current ? await this.findRegistration(tx, event, user, true) : null;
      if (!current || !registration) throw CohortError.notFound('Registration', `${event}/${user}`);
      if (registration.status === 'cancelled') return registration;
      if (registration.status === 'attended') {
        throw CohortError.conflict(`Registration ${event}/${user} is attended and can no longer be cancelled`);
      }
      const { rows } = await tx.query<RegistrationRow>(
        `UPDATE ${this.registrations.table} SET status = 'cancelled', updated_at = $3
          WHERE event_id = $1 AND user_id = $2
        RETURNING ${this.registrations.select}`,
        [event, user, sqlTime(now)],
      );
      // A registered user frees a seat, a waitlisted one a waitlist place; either way the freed counts decide how many
      // of the earliest waitlisted move up, in this transaction, under the event row lock taken above.
      const seat = registration.status === 'registered' ? 1 : 0;
      const freed = {
        ...current,
        registeredCount: current.registeredCount - seat,
        waitlistCount: current.waitlistCount - (1 - seat),
      };
      const promoted = await this.promote(tx, event, seatsToPromote(freed), now);
      await tx.query(
        `UPDATE ${this.events.table}
            SET registered_count = registered_count - $2 + $3, waitlist_count = waitlist_count - (1 - $2) - $3
          WHERE id = $1`,
        [event, seat, promoted],
      );
      return registrationFromEntity(rows[0] as RegistrationRow);
    });
  }

  async markAttended(eventId: string, userId: string): Promise<Registration> {
    const event = parseId(eventId, 'eventId');
    const user = parseId(userId, 'userId');
    // Attending keeps the seat, so the counters do not move: one guarded statement is enough.
    const { rows } = await this.db.query<RegistrationRow>(
      `UPDATE ${this.registrations.table} SET status = 'attended', updated_at = $3
        WHERE event_id = $1 AND user_id = $2 AND status = 'registered'
      RETURNING ${this.registrations.select}`,
      [event, user, sqlTime(this.clock.now())],
    );
    if (rows[0]) return registrationFromEntity(rows[0]);
    const current = await this.findRegistration(this.db, event, user);
    if (!current) throw CohortError.notFound('Registration', `${event}/${user}`);
    if (current.status === 'attended') return current;
    throw CohortError.conflict(`Registration ${event}/${user} is ${current.status}, not registered`);
  }

  async getRegistration(eventId: string, userId: string): Promise<Registration | null> {
    return this.findRegistration(this.db, parseId(eventId, 'eventId'), parseId(userId, 'userId'));
  }

  async listRegistrations(
    eventId: string,
    filter?: ListRegistrationsFilter,
    page?: PageRequest,
  ): Promise<Page<Registration>> {
    const event = parseId(eventId, 'eventId');
    const { status } = parseInput(listRegistrationsFilterSchema, filter ?? {}, 'listRegistrations filter');
    const { cursor, limit } = parsePageRequest(page);
    const scope = listScope('events.listRegistrations', event, status);
    const params = new SqlParams();
    const where = [`event_id = ${params.add(event)}`];
    if (status !== undefined) where.push(`status = ${params.add(status)}`);
    if (cursor) {
      const [position, userId] = readCursor(scope, cursor, pagedLists['events.listRegistrations']);
      where.push(`(position, user_id) > (${params.add(position)}::integer, ${params.add(userId)}::uuid)`);
    }
    const { rows } = await this.db.query<RegistrationRow>(
      `SELECT ${this.registrations.select} FROM ${this.registrations.table}
        WHERE ${where.join(' AND ')}
        ORDER BY position, user_id
        LIMIT ${params.add(limit + 1)}`,
      params.values,
    );
    return toPage(rows.map(registrationFromEntity), limit, scope, (registration) => [
      registration.position,
      registration.userId,
    ]);
  }

  /**
   * Takes a seat if one is free, else a waitlist place, each with one guarded UPDATE that also hands out the next
   * position; the UPDATE locks the event row until the transaction ends.
   */
  private async takePlace(
    tx: SqlExecutor,
    eventId: string,
  ): Promise<{ status: 'registered' | 'waitlisted'; position: number }> {
    for (;;) {
      const seat = await tx.query<{ position: number }>(
        `UPDATE ${this.events.table}
            SET registered_count = registered_count + 1, next_position = next_position + 1
          WHERE id = $1 AND status = 'scheduled' AND registered_count < capacity
        RETURNING next_position - 1 AS position`,
        [eventId],
      );
      if (seat.rows[0]) return { status: 'registered', position: seat.rows[0].position };
      const wait = await tx.query<{ position: number }>(
        `UPDATE ${this.events.table}
            SET waitlist_count = waitlist_count + 1, next_position = next_position + 1
          WHERE id = $1 AND status = 'scheduled' AND registered_count >= capacity
        RETURNING next_position - 1 AS position`,
        [eventId],
      );
      if (wait.rows[0]) return { status: 'waitlisted', position: wait.rows[0].position };
      const { rows } = await tx.query<EventRow>(
        `SELECT ${this.events.select} FROM ${this.events.table} WHERE id = $1`,
        [eventId],
      );
      if (!rows[0]) throw CohortError.notFound('Event', eventId);
      admissionFor(eventFromEntity(rows[0])); // CONFLICT when cancelled; otherwise a seat freed in between: go again
    }
  }

  /**
   * Promotes up to `seats` of the earliest waitlisted to registered; returns how many moved. The rows are picked and
   * locked by a SELECT that runs to completion before the UPDATE names them by key. One `UPDATE … WHERE user_id IN
   * (SELECT … LIMIT n FOR UPDATE)` is not safe: when the planner makes the subquery the inner side of a nested-loop
   * semi join it runs again for every outer row, its LockRows skips the rows the UPDATE has just changed, and the
   * LIMIT then admits the next waitlisted, so the statement promoted everyone waiting whenever statistics chose that
   * plan (seen as registered_count > capacity, events_registered_count_check).
   */
  private async promote(tx: SqlExecutor, eventId: string, seats: number, now: Date): Promise<number> {
    if (seats <= 0) return 0;
    const { rows } = await tx.query<{ userId: string }>(
      `SELECT user_id AS "userId" FROM ${this.registrations.table}
        WHERE event_id = $1 AND status = 'waitlisted'
        ORDER BY position
        LIMIT $2
          FOR UPDATE`,
      [eventId, seats],
    );
    if (rows.length === 0) return 0;
    const { rowCount } = await tx.query(
      `UPDATE ${this.registrations.table} SET status = 'registered', updated_at = $3
        WHERE event_id = $1 AND user_id = ANY($2::uuid[]) AND status = 'waitlisted'`,
      [eventId, rows.map((row) => row.userId), sqlTime(now)],
    );
    return rowCount;
  }

  private async lockEvent(tx: SqlExecutor, eventId: string): Promise<Event | null> {
    const { rows } = await tx.query<EventRow>(
      `SELECT ${this.events.select} FROM ${this.events.table} WHERE id = $1 FOR UPDATE`,
      [eventId],
    );
    return rows[0] ? eventFromEntity(rows[0]) : null;
  }

  private async findRegistration(
    executor: SqlExecutor,
    eventId: string,
    userId: string,
    forUpdate = false,
  ): Promise<Registration | null> {
    const { rows } = await executor.query<RegistrationRow>(
      `SELECT ${this.registrations.select} FROM ${this.registrations.table}
        WHERE event_id = $1 AND user_id = $2${forUpdate ? ' FOR UPDATE' : ''}`,
      [eventId, userId],
    );
    return rows[0] ? registrationFromEntity(rows[0]) : null;
  }
}
