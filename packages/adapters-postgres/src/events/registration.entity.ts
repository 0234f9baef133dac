import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { EventEntity } from './event.entity.js';

/**
 * A row of `registrations`, keyed (event, user). `(event_id, position)` serves the list in position order; the
 * partial index on waitlisted rows finds the earliest waitlisted without walking past everyone already seated.
 */
@Entity({ name: 'registrations' })
@Index('registrations_event_position_idx', ['eventId', 'position', 'userId'])
@Index('registrations_waitlist_idx', ['eventId', 'position'], { where: `status = 'waitlisted'` })
export class RegistrationEntity {
  @PrimaryColumn({ type: 'uuid', name: 'event_id', primaryKeyConstraintName: 'registrations_pkey' })
  eventId!: string;

  @PrimaryColumn({ type: 'uuid', name: 'user_id', primaryKeyConstraintName: 'registrations_pkey' })
  userId!: string;

  @Column({ type: 'text', name: 'status' })
  status!: string;

  @Column({ type: 'integer', name: 'position' })
  position!: number;

  @Column({ type: 'timestamptz', name: 'registered_at' })
  registeredAt!: Date;

  @Column({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;

  /** Declared for the foreign key only; the adapter never loads relations. */
  @ManyToOne(() => EventEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'event_id', foreignKeyConstraintName: 'registrations_event_id_fkey' })
  event?: EventEntity;
}
