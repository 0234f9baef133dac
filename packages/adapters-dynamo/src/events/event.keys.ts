import type { RegistrationStatus } from '@cohort/core';
import type { Key } from '../shared/dynamo-ops.js';
import { joinKey, numberKey, timeKey } from '../shared/key-format.js';
import { TABLE } from '../table-definition.js';

const UPCOMING = 'UPCOMING';
const upcomingOf = (communityId: string): string => `UPCOMING#COMMUNITY#${communityId}`;
const registrationsOf = (eventId: string): string => `REGISTRATIONS#${eventId}`;
const registrationsWith = (eventId: string, status: RegistrationStatus): string => `REGISTRATIONS#${eventId}#${status}`;

/**
 * Every key of the events context. Registrations live in their event's partition; gsi1 orders an event's
 * registrations by position and gsi2 does so per status (`REGISTRATIONS#<eventId>#<status>`), which is how the
 * earliest waitlisted is found. Scheduled events carry upcoming keys (gsi1 all, gsi2 per community); cancelled ones
 * drop them.
 */
export const eventKeys = {
  event: (id: string): Key => ({ pk: `EVENT#${id}`, sk: 'EVENT' }),
  /** Index attributes listing a scheduled event as upcoming. */
  upcoming: (id: string, startsAt: number, communityId: string | null): Key => ({
    [TABLE.gsi1.partitionKey]: UPCOMING,
    [TABLE.gsi1.sortKey]: joinKey(timeKey(startsAt), id),
    ...(communityId === null
      ? {}
      : { [TABLE.gsi2.partitionKey]: upcomingOf(communityId), [TABLE.gsi2.sortKey]: joinKey(timeKey(startsAt), id) }),
  }),
  /** The index and partition that serve listUpcoming, and the lower bound of its sort key. */
  upcomingQuery: (from: number, communityId: string | undefined) => ({
    index: communityId === undefined ? TABLE.gsi1 : TABLE.gsi2,
    partition: communityId === undefined ? UPCOMING : upcomingOf(communityId),
    from: timeKey(from),
  }),
  upcomingStart: (communityId: string | undefined, startsAt: number, id: string): Key => {
    const index = communityId === undefined ? TABLE.gsi1 : TABLE.gsi2;
    return {
      ...eventKeys.event(id),
      [index.partitionKey]: communityId === undefined ? UPCOMING : upcomingOf(communityId),
      [index.sortKey]: joinKey(timeKey(startsAt), id),
    };
  },
  eventScanPartition: 'TYPE#events',
  eventScan: (id: string): Key => ({ scanPk: eventKeys.eventScanPartition, scanSk: id }),
  eventScanStart: (id: string): Key => ({ ...eventKeys.event(id), ...eventKeys.eventScan(id) }),

  registration: (eventId: string, userId: string): Key => ({ pk: `EVENT#${eventId}`, sk: `REGISTRATION#${userId}` }),
  /** Index attributes ordering a registration by position, overall (gsi1) and within its status (gsi2). */
  registrationOrder: (eventId: string, position: number, status: RegistrationStatus): Key => ({
    [TABLE.gsi1.partitionKey]: registrationsOf(eventId),
    [TABLE.gsi1.sortKey]: numberKey(position),
    [TABLE.gsi2.partitionKey]: registrationsWith(eventId, status),
    [TABLE.gsi2.sortKey]: numberKey(position),
  }),
  registrationsQuery: (eventId: string, status: RegistrationStatus | undefined) => ({
    index: status === undefined ? TABLE.gsi1 : TABLE.gsi2,
    partition: status === undefined ? registrationsOf(eventId) : registrationsWith(eventId, status),
  }),
  registrationsStart: (
    eventId: string,
    status: RegistrationStatus | undefined,
    position: number,
    userId: string,
  ): Key => {
    const index = status === undefined ? TABLE.gsi1 : TABLE.gsi2;
    return {
      ...eventKeys.registration(eventId, userId),
      [index.partitionKey]: status === undefined ? registrationsOf(eventId) : registrationsWith(eventId, status),
      [index.sortKey]: numberKey(position),
    };
  },
  registrationScanPartition: 'TYPE#registrations',
  registrationScan: (eventId: string, userId: string): Key => ({
    scanPk: eventKeys.registrationScanPartition,
    scanSk: joinKey(eventId, userId),
  }),
  registrationScanStart: (eventId: string, userId: string): Key => ({
    ...eventKeys.registration(eventId, userId),
    ...eventKeys.registrationScan(eventId, userId),
  }),
} as const;
