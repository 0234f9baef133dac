import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A row of `activity_events`, a table range-partitioned by month on `occurred_at` (the migration creates it with
 * `PARTITION BY RANGE`; TypeORM reads partitioned tables like plain ones, so the schema diff covers it too; the
 * monthly partitions are not entities and are made at run time). A partitioned table's primary key must contain
 * the partition key, hence (id, occurred_at): uniqueness of `id` alone lives in `activity_ids`.
 * Indexes: exactly the two lists, newest first, by actor and by object.
 */
@Entity({ name: 'activity_events' })
@Index('activity_events_actor_idx', ['actorId', 'occurredAt', 'id'])
@Index('activity_events_object_idx', ['objectType', 'objectId', 'occurredAt', 'id'])
export class ActivityEventEntity {
  @PrimaryColumn({ type: 'uuid', name: 'id', primaryKeyConstraintName: 'activity_events_pkey' })
  id!: string;

  @PrimaryColumn({ type: 'timestamptz', name: 'occurred_at', primaryKeyConstraintName: 'activity_events_pkey' })
  occurredAt!: Date;

  @Column({ type: 'uuid', name: 'actor_id' })
  actorId!: string;

  @Column({ type: 'text', name: 'verb' })
  verb!: string;

  @Column({ type: 'text', name: 'object_type' })
  objectType!: string;

  @Column({ type: 'text', name: 'object_id' })
  objectId!: string;

  @Column({ type: 'jsonb', name: 'metadata' })
  metadata!: Record<string, string | number | boolean>;
}
