import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A row of `activity_ids`: every stored event's id, unique across all partitions, which is what makes `append`
 * idempotent by id (INSERT … ON CONFLICT (id) DO NOTHING decides which events are new, race-free). `occurred_at`
 * lets `purgeBefore` forget purged ids with one range delete on its index.
 */
@Entity({ name: 'activity_ids' })
@Index('activity_ids_occurred_idx', ['occurredAt'])
export class ActivityIdEntity {
  @PrimaryColumn({ type: 'uuid', name: 'id', primaryKeyConstraintName: 'activity_ids_pkey' })
  id!: string;

  @Column({ type: 'timestamptz', name: 'occurred_at' })
  occurredAt!: Date;
}
