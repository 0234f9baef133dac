import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { PostEntity } from './post.entity.js';

/** A row of `reactions`: one per (post, user, kind), which is the primary key and all the access needs. */
@Entity({ name: 'reactions' })
export class ReactionEntity {
  @PrimaryColumn({ type: 'uuid', name: 'post_id', primaryKeyConstraintName: 'reactions_pkey' })
  postId!: string;

  @PrimaryColumn({ type: 'uuid', name: 'user_id', primaryKeyConstraintName: 'reactions_pkey' })
  userId!: string;

  @PrimaryColumn({ type: 'text', name: 'kind', primaryKeyConstraintName: 'reactions_pkey' })
  kind!: string;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  /** Declared for the foreign key only; the adapter never loads relations. */
  @ManyToOne(() => PostEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'post_id', foreignKeyConstraintName: 'reactions_post_id_fkey' })
  post?: PostEntity;
}
