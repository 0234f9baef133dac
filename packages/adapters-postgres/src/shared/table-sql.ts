import { columnList, excludedList, recordsetType, selectList, type Columns } from './sql-values.js';

/** The statements every table needs, built once from its column map. */
export interface TableSql<E> {
  /** The quoted (schema-qualified) table name. */
  readonly table: string;
  readonly columns: Columns<E>;
  /** Columns as entity properties, for SELECT and RETURNING. */
  readonly select: string;
  /** `INSERT INTO t (…) SELECT … FROM jsonb_to_recordset(param)`: rows from one jsonb parameter (see `jsonRows`). */
  insertRows(param?: string): string;
  /** `insertRows` plus `ON CONFLICT (key) DO UPDATE SET` every other column: putMany's replace-by-key. */
  upsertRows(param?: string): string;
}

export function tableSql<E>(table: string, columns: Columns<E>, key: readonly (keyof E)[]): TableSql<E> {
  const list = columnList(columns);
  const types = recordsetType(columns);
  const keyColumns = key.map((property) => `"${columns[property].column}"`).join(', ');
  const insertRows = (param = '$1'): string =>
    `INSERT INTO ${table} (${list}) SELECT ${list} FROM jsonb_to_recordset(${param}::jsonb) AS r(${types})`;
  return {
    table,
    columns,
    select: selectList(columns),
    insertRows,
    upsertRows: (param = '$1') =>
      `${insertRows(param)} ON CONFLICT (${keyColumns}) DO UPDATE SET ${excludedList(columns, key)}`,
  };
}
