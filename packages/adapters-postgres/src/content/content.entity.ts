import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A row of `contents`. `listPublished` is the only list: newest published first, optionally by author or tag, so
 * both b-tree indexes are partial on published rows (drafts never cost a write to them), and tags are a text[] with a
 * GIN index answering `tags @> ARRAY[$tag]`.
 */
@Entity({ name: 'contents' })
@Index('contents_published_idx', ['publishedAt', 'id'], { where: `status = 'published'` })
@Index('contents_author_published_idx', ['authorId', 'publishedAt', 'id'], { where: `status = 'published'` })
@Index('contents_tags_idx', ['tags'], { type: 'gin' })
export class ContentEntity {
  @PrimaryColumn({ type: 'uuid', name: 'id', primaryKeyConstraintName: 'contents_pkey' })
  id!: string;

  @Column({ type: 'text', name: 'kind' })
  kind!: string;

  @Column({ type: 'text', name: 'title' })
  title!: string;

  @Column({ type: 'text', name: 'summary' })
  summary!: string;

  @Column({ type: 'uuid', name: 'author_id' })
  authorId!: string;

  @Column({ type: 'text', name: 'tags', array: true })
  tags!: string[];

  @Column({ type: 'text', name: 'status' })
  status!: string;

  @Column({ type: 'timestamptz', name: 'published_at', nullable: true })
  publishedAt!: Date | null;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;

  @Column({ type: 'integer', name: 'version' })
  version!: number;
}
