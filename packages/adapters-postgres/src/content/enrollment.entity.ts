import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ContentEntity } from './content.entity.js';

/**
 * A row of `enrollments`, keyed (user, content). The user is not a foreign key: users may live in another store.
 * Indexes: a user's enrollments newest first, and (content, status) so `countsFor` counts from the index alone.
 */
@Entity({ name: 'enrollments' })
@Index('enrollments_user_enrolled_idx', ['userId', 'enrolledAt', 'contentId'])
@Index('enrollments_content_status_idx', ['contentId', 'status'])
@Check('enrollments_progress_check', 'progress >= 0 AND progress <= 100')
export class EnrollmentEntity {
  @PrimaryColumn({ type: 'uuid', name: 'user_id', primaryKeyConstraintName: 'enrollments_pkey' })
  userId!: string;

  @PrimaryColumn({ type: 'uuid', name: 'content_id', primaryKeyConstraintName: 'enrollments_pkey' })
  contentId!: string;

  @Column({ type: 'integer', name: 'progress' })
  progress!: number;

  @Column({ type: 'text', name: 'status' })
  status!: string;

  @Column({ type: 'timestamptz', name: 'enrolled_at' })
  enrolledAt!: Date;

  @Column({ type: 'timestamptz', name: 'completed_at', nullable: true })
  completedAt!: Date | null;

  @Column({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;

  /** Declared for the foreign key only; the adapter never loads relations. */
  @ManyToOne(() => ContentEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'content_id', foreignKeyConstraintName: 'enrollments_content_id_fkey' })
  content?: ContentEntity;
}
