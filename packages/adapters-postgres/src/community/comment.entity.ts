import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { PostEntity } from './post.entity.js';

/** A row of `comments`, listed per post oldest first; removing the post removes them (ON DELETE CASCADE). */
@Entity({ name: 'comments' })
@Index('comments_post_created_idx', ['postId', 'createdAt', 'id'])
export class CommentEntity {
  @PrimaryColumn({ type: 'uuid', name: 'id', primaryKeyConstraintName: 'comments_pkey' })
  id!: string;

  @Column({ type: 'uuid', name: 'post_id' })
  postId!: string;

  @Column({ type: 'uuid', name: 'author_id' })
  authorId!: string;

  @Column({ type: 'text', name: 'body' })
  body!: string;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  /** Declared for the foreign key only; the adapter never loads relations. */
  @ManyToOne(() => PostEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'post_id', foreignKeyConstraintName: 'comments_post_id_fkey' })
  post?: PostEntity;
}
