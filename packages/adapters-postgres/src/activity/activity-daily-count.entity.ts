import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A row of `activity_daily_counts`: upserted in the same statement as each append, so `dailyCounts` never scans the log. */
@Entity({ name: 'activity_daily_counts' })
export class ActivityDailyCountEntity {
  @PrimaryColumn({ type: 'date', name: 'day', primaryKeyConstraintName: 'activity_daily_counts_pkey' })
  day!: string;

  @PrimaryColumn({ type: 'text', name: 'verb', primaryKeyConstraintName: 'activity_daily_counts_pkey' })
  verb!: string;

  /** bigint: pg returns it as a string, converted before it leaves the adapter. */
  @Column({ type: 'bigint', name: 'count' })
  count!: string;
}
