import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { CommunityEntity } from './community.entity.js';

/** A row of `memberships`, keyed (community, user), with one index per list: a community's members and a user's communities. */
@Entity({ name: 'memberships' })
@Index('memberships_community_joined_idx', ['communityId', 'joinedAt', 'userId'])
@Index('memberships_user_joined_idx', ['userId', 'joinedAt', 'communityId'])
export class MembershipEntity {
  @PrimaryColumn({ type: 'uuid', name: 'community_id', primaryKeyConstraintName: 'memberships_pkey' })
  communityId!: string;

  @PrimaryColumn({ type: 'uuid', name: 'user_id', primaryKeyConstraintName: 'memberships_pkey' })
  userId!: string;

  @Column({ type: 'text', name: 'role' })
  role!: string;

  @Column({ type: 'timestamptz', name: 'joined_at' })
  joinedAt!: Date;

  /** Declared for the foreign key only; the adapter never loads relations. */
  @ManyToOne(() => CommunityEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'community_id', foreignKeyConstraintName: 'memberships_community_id_fkey' })
  community?: CommunityEntity;
}
