/**
 * Keeps a Parquet job's Glue table columns equal to what the last committed run wrote (issue
 * #16). The CDK stack creates the table with the job's declared column names (or one
 * placeholder column) before any run: column types are only known once a run has read the
 * source. After each committed Parquet run the exporter calls {@link GlueTableColumns.sync}
 * with the manifest's columns; it computes their Glue types with shared-types' `glueType` and
 * calls UpdateTable only when they differ from the table's, keeping every other property of the
 * table (location, SerDe, formats, partition keys, parameters incl. the `dt` projection).
 *
 * Only the columns are compared (lowercase names, types in order): comments and the rest are
 * the stack's. UpdateTable passes the table's VersionId, so a concurrent change (a stack
 * update, another run) fails as GLUE_CONCURRENT_UPDATE instead of being overwritten.
 */
import {
  GetTableCommand,
  UpdateTableCommand,
  type Column,
  type GlueClient,
  type Table,
  type TableInput,
} from '@aws-sdk/client-glue';
import { glueType, typedColumn, type Engine, type SourceColumnKind } from '@rds-s3-export/shared-types';
import { GlueCatalogError, GlueErrorCodes } from '../errors.js';

/** Where the table is: the database and table names (lowercase, as Glue stores them). */
export interface GlueTableRef {
  readonly databaseName: string;
  readonly tableName: string;
  /** @default the caller's account */
  readonly catalogId?: string;
}

/**
 * A column as the manifest reports it. `kind` decides binary and text columns (see
 * `typedColumn`); without it the declared type alone decides.
 */
export interface CatalogColumnInput {
  readonly name: string;
  readonly sourceType: string;
  readonly kind?: SourceColumnKind;
}

export interface GlueColumn {
  readonly name: string;
  readonly type: string;
}

/** The partition column of every hive-layout table; no data column may be named so. */
export const PARTITION_COLUMN = 'dt';

/**
 * The Glue columns of a run: names in lowercase (Glue and Athena fold them), types from
 * `glueType(typedColumn(engine, column))`. Refuses columns Athena could not tell apart.
 */
export function glueColumnsFor(engine: Engine, columns: readonly CatalogColumnInput[]): GlueColumn[] {
  const result = columns.map((c) => ({ name: c.name.toLowerCase(), type: glueType(typedColumn(engine, { sourceType: c.sourceType, kind: c.kind ?? 'other' })) }));
  const names = result.map((c) => c.name);
  if (result.length === 0) throw new GlueCatalogError('config', GlueErrorCodes.columnsUnusable, 'the run has no columns to describe');
  if (names.includes(PARTITION_COLUMN)) {
    throw new GlueCatalogError('config', GlueErrorCodes.columnsUnusable, `a column is named "${PARTITION_COLUMN}", the partition column`);
  }
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) {
    throw new GlueCatalogError('config', GlueErrorCodes.columnsUnusable, `two columns are named "${duplicate}" in lowercase (Athena names are case-insensitive)`);
  }
  return result;
}

/** Whether the table's columns are exactly `wanted` (names case-insensitively, types exactly, in order). */
export function sameColumns(current: readonly Column[] | undefined, wanted: readonly GlueColumn[]): boolean {
  const have = current ?? [];
  return have.length === wanted.length && have.every((c, i) => c.Name?.toLowerCase() === wanted[i]!.name && c.Type === wanted[i]!.type);
}

export type SyncOutcome = { readonly status: 'unchanged' } | { readonly status: 'updated'; readonly previous: readonly GlueColumn[]; readonly columns: readonly GlueColumn[] };

export interface GlueTableColumnsOptions {
  /** A Glue client with short timeouts: the caller fails softly, so a hung request must not eat the run's time. */
  readonly client: GlueClient;
}

export class GlueTableColumns {
  private readonly client: GlueClient;

  constructor(options: GlueTableColumnsOptions) {
    this.client = options.client;
  }

  /** Makes the table's columns those of `columns`; a no-op (one GetTable) when they already are. */
  async sync(ref: GlueTableRef, engine: Engine, columns: readonly CatalogColumnInput[]): Promise<SyncOutcome> {
    const wanted = glueColumnsFor(engine, columns);
    const where = `Glue table ${ref.databaseName}.${ref.tableName}`;
    const id = { ...(ref.catalogId && { CatalogId: ref.catalogId }), DatabaseName: ref.databaseName };
    let table: Table;
    try {
      const got = await this.client.send(new GetTableCommand({ ...id, Name: ref.tableName }));
      if (!got.Table) throw new GlueCatalogError('storage', GlueErrorCodes.readFailed, `${where}: GetTable returned no table`);
      table = got.Table;
    } catch (error) {
      throw classifyGlueError(error, where, 'read');
    }
    const current = table.StorageDescriptor?.Columns;
    if (sameColumns(current, wanted)) return { status: 'unchanged' };
    try {
      await this.client.send(
        new UpdateTableCommand({
          ...id,
          TableInput: withColumns(table, wanted),
          ...(table.VersionId && { VersionId: table.VersionId }),
        }),
      );
    } catch (error) {
      throw classifyGlueError(error, where, 'update');
    }
    return { status: 'updated', previous: (current ?? []).map((c) => ({ name: c.Name ?? '', type: c.Type ?? '' })), columns: wanted };
  }
}

/**
 * The table as UpdateTable input with new columns: every writable property of the table kept
 * (TableInput's fields; the read-only ones such as CreateTime or DatabaseName left out, as
 * UpdateTable refuses them).
 */
export function withColumns(table: Table, columns: readonly GlueColumn[]): TableInput {
  const input: TableInput = {
    Name: table.Name,
    Description: table.Description,
    Owner: table.Owner,
    LastAccessTime: table.LastAccessTime,
    LastAnalyzedTime: table.LastAnalyzedTime,
    Retention: table.Retention,
    StorageDescriptor: { ...table.StorageDescriptor, Columns: columns.map((c) => ({ Name: c.name, Type: c.type })) },
    PartitionKeys: table.PartitionKeys,
    ViewOriginalText: table.ViewOriginalText,
    ViewExpandedText: table.ViewExpandedText,
    TableType: table.TableType,
    Parameters: table.Parameters,
    TargetTable: table.TargetTable,
  };
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as TableInput;
}

function classifyGlueError(error: unknown, where: string, operation: 'read' | 'update'): GlueCatalogError {
  if (error instanceof GlueCatalogError) return error;
  const name = (error as { name?: string })?.name ?? '';
  const message = (error as { message?: string })?.message ?? String(error);
  const detail = `${where}: ${operation === 'read' ? 'GetTable' : 'UpdateTable'} failed (${name || 'error'}: ${message})`;
  if (name === 'EntityNotFoundException') return new GlueCatalogError('config', GlueErrorCodes.tableNotFound, detail, { cause: error });
  if (name === 'AccessDeniedException' || name === 'AccessDenied') return new GlueCatalogError('auth', GlueErrorCodes.accessDenied, detail, { cause: error });
  if (name === 'ConcurrentModificationException') return new GlueCatalogError('storage', GlueErrorCodes.concurrentUpdate, detail, { cause: error });
  if (name === 'TimeoutError' || name === 'RequestTimeout' || /ECONNREFUSED|ETIMEDOUT|ENOTFOUND|socket hang up/i.test(message)) {
    return new GlueCatalogError('network', GlueErrorCodes.unreachable, detail, { cause: error });
  }
  return new GlueCatalogError('storage', operation === 'read' ? GlueErrorCodes.readFailed : GlueErrorCodes.updateFailed, detail, { cause: error });
}
