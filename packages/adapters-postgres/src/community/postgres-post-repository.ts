import {
  CohortError,
  type Clock,
  type Comment,
  type CreateCommentInput,
  type CreatePostInput,
  type Page,
  type PageRequest,
  type Post,
  type PostPatch,
  type PostRepository,
  type ReactionKind,
} from '@cohort/core';
import {
  applyPostPatch,
  atExpectedVersion,
  listScope,
  newComment,
  newPost,
  pagedLists,
  parseExpectedVersion,
  parseId,
  parsePageRequest,
  parsePostPatch,
  parseReactionKind,
  toPage,
} from '@cohort/core/adapter';
import { SqlParams, readCursor } from '../shared/keyset.js';
import type { PostgresClient } from '../shared/postgres-client.js';
import { jsonRows, sqlTime, toCount } from '../shared/sql-values.js';
import { tableSql, type TableSql } from '../shared/table-sql.js';
import {
  commentColumns,
  commentFromEntity,
  commentToEntity,
  postColumns,
  postFromEntity,
  postToEntity,
  type CommentRow,
  type PostRow,
} from './community.mapper.js';

/** The counter column of each reaction kind (the kind is validated first, so it is safe to splice into SQL). */
const counterOf: Record<ReactionKind, string> = {
  like: 'like_count',
  celebrate: 'celebrate_count',
  insightful: 'insightful_count',
  support: 'support_count',
};

/** Comment and reaction counters move in the same statement as the rows they count (data-modifying CTEs). */
export class PostgresPostRepository implements PostRepository {
  private readonly sql: TableSql<PostRow>;
  private readonly comments: TableSql<CommentRow>;
  private readonly reactions: string;

  constructor(
    private readonly db: PostgresClient,
    private readonly clock: Clock,
  ) {
    this.sql = tableSql(db.tables.posts, postColumns, ['id']);
    this.comments = tableSql(db.tables.comments, commentColumns, ['id']);
    this.reactions = db.tables.reactions;
  }

  async create(input: CreatePostInput): Promise<Post> {
    const post = newPost(input, this.clock.now());
    // The foreign key to communities reports a missing community as NOT_FOUND.
    const { rows } = await this.db.query<PostRow>(`${this.sql.insertRows()} RETURNING ${this.sql.select}`, [
      jsonRows(postColumns, [postToEntity(post)]),
    ]);
    return postFromEntity(rows[0] as PostRow);
  }

  async getById(id: string): Promise<Post | null> {
    const postId = parseId(id);
    const { rows } = await this.db.query<PostRow>(`SELECT ${this.sql.select} FROM ${this.sql.table} WHERE id = $1`, [
      postId,
    ]);
    return rows[0] ? postFromEntity(rows[0]) : null;
  }

  async update(id: string, patch: PostPatch, expectedVersion: number): Promise<Post> {
    const postId = parseId(id);
    const parsed = parsePostPatch(patch);
    const version = parseExpectedVersion(expectedVersion);
    const current = atExpectedVersion(await this.getById(postId), 'Post', postId, version);
    const next = applyPostPatch(current, parsed, this.clock.now());
    // Counters are not written here: comments and reactions move them without touching the version.
    const { rows } = await this.db.query<PostRow>(
      `UPDATE ${this.sql.table} SET body = $3, updated_at = $4, version = version + 1
        WHERE id = $1 AND version = $2
      RETURNING ${this.sql.select}`,
      [postId, version, next.body, sqlTime(next.updatedAt)],
    );
    if (rows[0]) return postFromEntity(rows[0]);
    const { rows: found } = await this.db.query(`SELECT 1 FROM ${this.sql.table} WHERE id = $1`, [postId]);
    throw found.length > 0 ? CohortError.concurrency('Post', postId, version) : CohortError.notFound('Post', postId);
  }

  async remove(id: string): Promise<boolean> {
    const postId = parseId(id);
    // Comments and reactions go with it through ON DELETE CASCADE, in the same statement.
    const { rowCount } = await this.db.query(`DELETE FROM ${this.sql.table} WHERE id = $1`, [postId]);
    return rowCount > 0;
  }

  async feed(communityId: string, page?: PageRequest): Promise<Page<Post>> {
    const community = parseId(communityId, 'communityId');
    const { cursor, limit } = parsePageRequest(page);
    const scope = listScope('posts.feed', community);
    const params = new SqlParams();
    const where = [`community_id = ${params.add(community)}`];
    if (cursor) {
      const [createdAt, id] = readCursor(scope, cursor, pagedLists['posts.feed']);
      where.push(`(created_at, id) < (${params.add(sqlTime(createdAt))}::timestamptz, ${params.add(id)}::uuid)`);
    }
    const { rows } = await this.db.query<PostRow>(
      `SELECT ${this.sql.select} FROM ${this.sql.table}
        WHERE ${where.join(' AND ')}
        ORDER BY created_at DESC, id DESC
        LIMIT ${params.add(limit + 1)}`,
      params.values,
    );
    return toPage(rows.map(postFromEntity), limit, scope, (post) => [post.createdAt.getTime(), post.id]);
  }

  async addComment(postId: string, input: CreateCommentInput): Promise<Comment> {
    const post = parseId(postId, 'postId');
    const comment = newComment(post, input, this.clock.now());
    // The counter UPDATE both counts the comment and proves the post exists: no post, no row, nothing inserted.
    const { rows } = await this.db.query<CommentRow>(
      `WITH counted AS (
         UPDATE ${this.sql.table} SET comment_count = comment_count + 1 WHERE id = $2 RETURNING id)
       ${this.comments.insertRows()} WHERE EXISTS (SELECT 1 FROM counted)
       RETURNING ${this.comments.select}`,
      [jsonRows(commentColumns, [commentToEntity(comment)]), post],
    );
    if (!rows[0]) throw CohortError.notFound('Post', post);
    return commentFromEntity(rows[0]);
  }

  async listComments(postId: string, page?: PageRequest): Promise<Page<Comment>> {
    const post = parseId(postId, 'postId');
    const { cursor, limit } = parsePageRequest(page);
    const scope = listScope('posts.listComments', post);
    const params = new SqlParams();
    const where = [`post_id = ${params.add(post)}`];
    if (cursor) {
      const [createdAt, id] = readCursor(scope, cursor, pagedLists['posts.listComments']);
      where.push(`(created_at, id) > (${params.add(sqlTime(createdAt))}::timestamptz, ${params.add(id)}::uuid)`);
    }
    const { rows } = await this.db.query<CommentRow>(
      `SELECT ${this.comments.select} FROM ${this.comments.table}
        WHERE ${where.join(' AND ')}
        ORDER BY created_at, id
        LIMIT ${params.add(limit + 1)}`,
      params.values,
    );
    return toPage(rows.map(commentFromEntity), limit, scope, (comment) => [comment.createdAt.getTime(), comment.id]);
  }

  async react(postId: string, userId: string, kind: ReactionKind): Promise<boolean> {
    const post = parseId(postId, 'postId');
    const user = parseId(userId, 'userId');
    const reaction = parseReactionKind(kind);
    const counter = counterOf[reaction];
    // The foreign key reports a missing post; ON CONFLICT makes a repeated reaction a no-op that counts nothing.
    const { rows } = await this.db.query<{ added: string }>(
      `WITH added AS (
         INSERT INTO ${this.reactions} (post_id, user_id, kind, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (post_id, user_id, kind) DO NOTHING
         RETURNING 1),
       counted AS (
         UPDATE ${this.sql.table} SET ${counter} = ${counter} + 1
          WHERE id = $1 AND EXISTS (SELECT 1 FROM added))
       SELECT count(*) AS added FROM added`,
      [post, user, reaction, sqlTime(this.clock.now())],
    );
    return toCount(rows[0]?.added) > 0;
  }

  async unreact(postId: string, userId: string, kind: ReactionKind): Promise<boolean> {
    const post = parseId(postId, 'postId');
    const user = parseId(userId, 'userId');
    const reaction = parseReactionKind(kind);
    const counter = counterOf[reaction];
    const { rows } = await this.db.query<{ removed: string }>(
      `WITH removed AS (
         DELETE FROM ${this.reactions} WHERE post_id = $1 AND user_id = $2 AND kind = $3 RETURNING 1),
       counted AS (
         UPDATE ${this.sql.table} SET ${counter} = ${counter} - 1
          WHERE id = $1 AND EXISTS (SELECT 1 FROM removed))
       SELECT count(*) AS removed FROM removed`,
      [post, user, reaction],
    );
    return toCount(rows[0]?.removed) > 0;
  }
}
