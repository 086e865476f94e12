/**
 * The incremental window, shared by both engines: rows whose (cursorColumn, keyColumn) tuple
 * is after the stored cursor and at most the window's last row, ordered by the tuple. The last
 * row and the row count are read inside the source's snapshot before the data query, so the
 * three agree exactly. A tuple cursor means rows sharing a timestamp are never split across
 * the boundary and lost; the lag keeps rows of transactions that commit late (with an earlier
 * timestamp) for the next run.
 *
 * Assumptions (README "Delivery guarantee"): the cursor column is NOT NULL and set by each
 * write to at most the commit time, and a transaction commits within `lagSeconds` of the
 * cursor value it writes; the key column is unique.
 */
import type { Cursor, ColumnKind, KeyRange, ResolvedWindow, WindowRequest } from '../ports.js';
import { ConfigError } from '../errors.js';
import { closestHint } from './closest-names.js';

export interface WindowDialect {
  quote(name: string): string;
  /**
   * SQL that reads bound value number `index` (1-based, see {@link BoundValues}) as a value of
   * `column`'s type (its collation, its exact numeric type): never the value itself.
   */
  param(index: number, column: { name: string; kind: ColumnKind }): string;
  /** `<column> as text`, in a form that round-trips as a literal. */
  asText(quotedColumn: string): string;
  /** The database's current UTC time minus `seconds`, as an expression comparable to the cursor column. */
  nowMinus(seconds: number): string;
  /** A built-in function's name as the SQL should call it (PostgreSQL: `pg_catalog.`-qualified, whatever the search_path). */
  fn(name: 'MIN' | 'NTILE'): string;
}

export interface WindowPlan {
  readonly where: string;
  readonly orderBy: string;
  readonly window: Omit<ResolvedWindow, 'rows'>;
}

const NUMERIC = /^-?\d+(\.\d+)?$/;

/**
 * Values that came from data or the state store (cursor values, chunk bounds) on their way to
 * the server. They are never spliced into SQL text: the SQL holds a reference (`sql.param`)
 * and the source binds the values on the server before the statement that uses them runs
 * (PostgreSQL: `set_config($1)`; MySQL/MariaDB: a server-side prepared `SET @v = ?`). So no
 * quoting rule, `sql_mode` or `standard_conforming_strings` can change what a value means.
 * Values only accumulate: `pending()` hands each one out once.
 */
export class BoundValues {
  private readonly values: string[] = [];
  private bound = 0;

  constructor(private readonly sql: WindowDialect) {}

  /** A reference to `value`, typed as `column`. */
  ref(value: string, column: { name: string; kind: ColumnKind }): string {
    this.values.push(value);
    return this.sql.param(this.values.length, column);
  }

  /** Values not bound yet, with their 1-based index; marks them bound. */
  pending(): { index: number; value: string }[] {
    const out = this.values.slice(this.bound).map((value, i) => ({ index: this.bound + i + 1, value }));
    this.bound = this.values.length;
    return out;
  }
}

export async function planWindow(
  request: WindowRequest,
  columns: readonly { name: string; kind: ColumnKind }[],
  base: string,
  sql: WindowDialect,
  params: BoundValues,
  /** Runs `text` after binding `params.pending()`. */
  query: (text: string) => Promise<(string | null)[][]>,
): Promise<WindowPlan> {
  const find = (name: string, role: string) => {
    const column = columns.find((c) => c.name === name);
    if (!column) {
      throw new ConfigError('INCREMENTAL_COLUMN_MISSING', `incremental.${role} "${name}" is not a column of the export (${columns.map((c) => c.name).join(', ')})`);
    }
    return column;
  };
  const cursorColumn = find(request.cursorColumn, 'cursorColumn');
  const keyColumn = find(request.keyColumn, 'keyColumn');
  const c = `w.${sql.quote(cursorColumn.name)}`;
  const k = `w.${sql.quote(keyColumn.name)}`;
  const lit = (value: string, column: { kind: ColumnKind; name: string }) => {
    const numeric = column.kind === 'number';
    if (numeric && !NUMERIC.test(value)) {
      throw new ConfigError('CURSOR_INVALID', `stored cursor value "${value}" for numeric column "${column.name}" is not a number`);
    }
    return params.ref(value, column);
  };
  const tuple = (cursor: Cursor) => `(${lit(cursor.value, cursorColumn)}, ${lit(cursor.key, keyColumn)})`;

  const lower = request.after ? `(${c}, ${k}) > ${tuple(request.after)}` : '1 = 1';
  const upper = request.bound.kind === 'lag' ? `${c} <= ${sql.nowMinus(request.bound.seconds)}` : `(${c}, ${k}) <= ${tuple(request.bound.cursor)}`;
  const candidate = `FROM (${base}) AS w WHERE ${lower} AND ${upper}`;

  const [last] = await query(`SELECT ${sql.asText(c)}, ${sql.asText(k)} ${candidate} ORDER BY ${c} DESC, ${k} DESC LIMIT 1`);
  const to: Cursor | null = last ? { value: String(last[0]), key: String(last[1]) } : request.after;

  const where = last ? `${lower} AND (${c}, ${k}) <= ${tuple(to as Cursor)}` : '1 = 0';
  return {
    where,
    orderBy: `${c}, ${k}`,
    window: { from: request.after, to },
  };
}

/**
 * The final selection of a source query: the incremental window and/or a key range (one chunk
 * of a parallel export), ordered by the window's tuple or the key. Rows are counted with the
 * same predicate in the same snapshot, for reconciliation.
 */
export function composeSelection(
  windowPlan: WindowPlan | undefined,
  keyRange: KeyRange | undefined,
  columns: readonly { name: string; kind: ColumnKind }[],
  sql: WindowDialect,
  params: BoundValues,
): { where: string; orderBy: string | undefined } {
  const parts: string[] = [];
  if (windowPlan) parts.push(windowPlan.where);
  let orderBy = windowPlan?.orderBy;
  if (keyRange) {
    const column = columns.find((c) => c.name === keyRange.column);
    if (!column) throw new ConfigError('CHUNK_KEY_MISSING', `chunk key "${keyRange.column}" is not a column of the export${closestHint(keyRange.column, columns.map((c) => c.name))}`);
    const k = `w.${sql.quote(column.name)}`;
    const numeric = column.kind === 'number';
    for (const bound of [keyRange.lower, keyRange.upper]) {
      if (bound !== null && numeric && !NUMERIC.test(bound)) throw new ConfigError('CHUNK_BOUND_INVALID', `chunk bound "${bound}" of numeric key "${column.name}" is not a number`);
    }
    if (keyRange.lower !== null) parts.push(`${k} >= ${params.ref(keyRange.lower, column)}`);
    if (keyRange.upper !== null) parts.push(`${k} < ${params.ref(keyRange.upper, column)}`);
    orderBy ??= k;
  }
  return { where: parts.length ? parts.join(' AND ') : '1 = 1', orderBy };
}

/** SQL that returns, one row per tile in order, the smallest key of each of `chunks` NTILE groups. */
export function tileMinimaSql(base: string, where: string, column: { name: string }, chunks: number, sql: WindowDialect): string {
  const k = `w.${sql.quote(column.name)}`;
  return (
    `SELECT ${sql.asText(`${sql.fn('MIN')}(tiles.k)`)} FROM (SELECT ${k} AS k, ${sql.fn('NTILE')}(${Math.trunc(chunks)}) OVER (ORDER BY ${k}) AS tile ` +
    `FROM (${base}) AS w WHERE ${where}) AS tiles GROUP BY tiles.tile ORDER BY tiles.tile`
  );
}

/** Chunk lower bounds from tile minima: drop the first (unbounded below) and repeats. */
export function boundsFromTileMinima(minima: readonly (string | null)[]): string[] {
  const bounds: string[] = [];
  for (const value of minima.slice(1)) if (value !== null && bounds.at(-1) !== value) bounds.push(value);
  return bounds;
}

/** Incremental runs need a unique key: rows sharing a cursor value are ordered and bounded by it. */
export function incrementalNeedsKey(table: string, keyColumn: string): ConfigError {
  return new ConfigError(
    'INCREMENTAL_NEEDS_KEY',
    `incremental.keyColumn "${keyColumn}" is not the primary key or a single-column unique key of table ${table}: ` +
      'rows sharing a cursor value could be skipped or repeated. Add a unique key on it, or export the table in full mode.',
  );
}
