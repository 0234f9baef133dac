import { Check, Column, Entity, PrimaryColumn, Unique } from 'typeorm';

/**
 * A row of `communities`. The slug's unique constraint (DEFERRABLE INITIALLY IMMEDIATE, like users' email, so one
 * putMany may swap slugs) also serves `list` in slug order; the "C" collation makes that order byte order, the same on
 * every server whatever its default locale.
 */
@Entity({ name: 'communities' })
@Unique('communities_slug_key', ['slug'], { deferrable: 'INITIALLY IMMEDIATE' })
@Check('communities_member_count_check', 'member_count >= 0')
export class CommunityEntity {
  @PrimaryColumn({ type: 'uuid', name: 'id', primaryKeyConstraintName: 'communities_pkey' })
  id!: string;

  @Column({ type: 'text', name: 'slug', collation: 'C' })
  slug!: string;

  @Column({ type: 'text', name: 'name' })
  name!: string;

  @Column({ type: 'text', name: 'description' })
  description!: string;

  @Column({ type: 'text', name: 'visibility' })
  visibility!: string;

  @Column({ type: 'uuid', name: 'owner_id' })
  ownerId!: string;

  @Column({ type: 'integer', name: 'member_count' })
  memberCount!: number;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;

  @Column({ type: 'integer', name: 'version' })
  version!: number;
}
