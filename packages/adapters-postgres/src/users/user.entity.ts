import { Column, Entity, PrimaryColumn, Unique } from 'typeorm';

/**
 * A row of `users`. Emails arrive lower-cased from core, so a plain unique constraint is case-insensitive in effect.
 * It is DEFERRABLE INITIALLY IMMEDIATE: checked at the end of each statement rather than row by row, so one putMany
 * may swap two users' emails, as the reference adapter allows.
 */
@Entity({ name: 'users' })
@Unique('users_email_key', ['email'], { deferrable: 'INITIALLY IMMEDIATE' })
export class UserEntity {
  @PrimaryColumn({ type: 'uuid', name: 'id', primaryKeyConstraintName: 'users_pkey' })
  id!: string;

  @Column({ type: 'text', name: 'email' })
  email!: string;

  @Column({ type: 'text', name: 'display_name' })
  displayName!: string;

  @Column({ type: 'text', name: 'role' })
  role!: string;

  @Column({ type: 'text', name: 'status' })
  status!: string;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;

  @Column({ type: 'integer', name: 'version' })
  version!: number;
}
