import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A row of `events`. The counters are kept by the same statements that write registrations, and the checks are the
 * last line of defence for "never more registered than capacity, no negative counts". `next_position` is hidden
 * state: the position the next registration takes. `community_id` is no foreign key: communities are another
 * context and may live in another store.
 */
@Entity({ name: 'events' })
@Index('events_upcoming_idx', ['startsAt', 'id'], { where: `status = 'scheduled'` })
@Index('events_community_upcoming_idx', ['communityId', 'startsAt', 'id'], { where: `status = 'scheduled'` })
@Check('events_capacity_check', 'capacity >= 1')
@Check('events_registered_count_check', 'registered_count >= 0 AND registered_count <= capacity')
@Check('events_waitlist_count_check', 'waitlist_count >= 0')
export class EventEntity {
  @PrimaryColumn({ type: 'uuid', name: 'id', primaryKeyConstraintName: 'events_pkey' })
  id!: string;

  @Column({ type: 'text', name: 'title' })
  title!: string;

  @Column({ type: 'text', name: 'description' })
  description!: string;

  @Column({ type: 'uuid', name: 'host_id' })
  hostId!: string;

  @Column({ type: 'uuid', name: 'community_id', nullable: true })
  communityId!: string | null;

  @Column({ type: 'timestamptz', name: 'starts_at' })
  startsAt!: Date;

  @Column({ type: 'timestamptz', name: 'ends_at' })
  endsAt!: Date;

  @Column({ type: 'integer', name: 'capacity' })
  capacity!: number;

  @Column({ type: 'integer', name: 'registered_count' })
  registeredCount!: number;

  @Column({ type: 'integer', name: 'waitlist_count' })
  waitlistCount!: number;

  @Column({ type: 'text', name: 'status' })
  status!: string;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;

  @Column({ type: 'integer', name: 'version' })
  version!: number;

  @Column({ type: 'integer', name: 'next_position', default: 1 })
  nextPosition!: number;
}
