import { z } from 'zod';
import { CsvDialectSchema } from './csv-dialect.js';
import { EngineSchema, formatIssues } from './job-config.js';
import { STRING_REASONS } from './typed-columns.js';

export const ManifestObjectSchema = z.object({
  key: z.string(),
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  /** Hex SHA-256 of the stored bytes (after compression). */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /**
   * Parquet objects: the row groups in the file, read from its footer as it was written.
   * Absent for CSV, and for a Parquet object whose footer exceeded the exporter's bound
   * (export-core `MAX_FOOTER_BYTES`): then the count is not known, never guessed.
   */
  rowGroups: z.number().int().nonnegative().optional(),
});

/** The column kinds the sources report (export-core ColumnKind; shared-types SourceColumnKind). */
export const ColumnKindSchema = z.enum(['text', 'number', 'temporal', 'boolean', 'binary', 'json', 'other']);

export const ManifestColumnSchema = z.object({
  name: z.string(),
  /** The engine's own type name, e.g. `decimal(65,30)`, `timestamptz`. */
  sourceType: z.string(),
  /**
   * How the source reads the column (`binary` for BLOB/VARBINARY/bytea): with `sourceType` it
   * decides the typed (Parquet, Glue) column. Absent in manifests written before it was recorded.
   */
  kind: ColumnKindSchema.optional(),
});

const TimeUnitSchema = z.enum(['MILLIS', 'MICROS', 'NANOS']);

/** A Parquet logical type as the format spec (LogicalTypes.md) names it. */
export const ParquetLogicalTypeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('INTEGER'), bitWidth: z.number().int(), isSigned: z.boolean() }),
  z.object({ type: z.literal('DECIMAL'), precision: z.number().int().positive(), scale: z.number().int().nonnegative() }),
  z.object({ type: z.literal('DATE') }),
  z.object({ type: z.literal('TIME'), unit: TimeUnitSchema, isAdjustedToUTC: z.boolean() }),
  z.object({ type: z.literal('TIMESTAMP'), unit: TimeUnitSchema, isAdjustedToUTC: z.boolean() }),
  z.object({ type: z.literal('STRING') }),
]);

/** One column of a Parquet object, as its footer's schema states it. */
export const ManifestParquetColumnSchema = z.object({
  name: z.string(),
  physicalType: z.enum(['BOOLEAN', 'INT32', 'INT64', 'INT96', 'FLOAT', 'DOUBLE', 'BYTE_ARRAY', 'FIXED_LEN_BYTE_ARRAY']),
  /** FIXED_LEN_BYTE_ARRAY only: bytes per value. */
  typeLength: z.number().int().positive().optional(),
  /** Absent for a plain physical type (INT32/INT64 signed integers, FLOAT, DOUBLE, BOOLEAN, raw bytes). */
  logicalType: ParquetLogicalTypeSchema.optional(),
  /** OPTIONAL in Parquet terms (SQL NULL allowed): every column the exporter writes is. */
  nullable: z.boolean(),
  /**
   * Set when the column is the server's text although the source type is a number or time (a
   * DECIMAL over 38 digits, unconstrained NUMERIC, money, TIME): why no typed value was taken.
   */
  stringReason: z.enum(STRING_REASONS).optional(),
});

/** Position of an incremental export: the (cursorColumn, keyColumn) text of the last row. */
export const CursorSchema = z.object({ value: z.string(), key: z.string() });

/** The commit marker: written last, only when every object of the run is stored. */
export const ManifestSchema = z.object({
  manifestVersion: z.literal(1),
  runId: z.string(),
  job: z.string(),
  status: z.literal('committed'),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number().int().nonnegative(),
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  objects: z.array(ManifestObjectSchema),
  columns: z.array(ManifestColumnSchema),
  /** Incremental window: exclusive lower bound and the last row exported (null = full export). */
  cursor: z.object({ from: CursorSchema.nullable(), to: CursorSchema.nullable() }).nullable(),
  /** Rows written against the source's COUNT(*) of the same rows in the same snapshot. */
  reconciliation: z.object({ sourceRows: z.number().int().nonnegative(), exportedRows: z.number().int().nonnegative() }),
  engine: EngineSchema,
  source: z.union([z.object({ table: z.string() }), z.object({ query: z.string() })]),
  csv: CsvDialectSchema,
  compression: z.enum(['none', 'gzip']),
  /** Format of the data objects. Absent in manifests written before Parquet output existed: those are `csv`. */
  format: z.enum(['csv', 'parquet']).optional(),
  /** Parquet runs: the schema every object of the run has (checked against each file's footer as it is written). */
  parquet: z.object({ columns: z.array(ManifestParquetColumnSchema) }).optional(),
  /** Zone-aware timestamps in the data are in this zone. */
  timeZone: z.literal('UTC'),
  exporterVersion: z.string(),
});

export type Manifest = z.infer<typeof ManifestSchema>;
export type ManifestObject = z.infer<typeof ManifestObjectSchema>;
export type ManifestColumn = z.infer<typeof ManifestColumnSchema>;
export type ManifestParquetColumn = z.infer<typeof ManifestParquetColumnSchema>;
export type ParquetLogicalTypeValue = z.infer<typeof ParquetLogicalTypeSchema>;

/**
 * A stored manifest's text, parsed with the schema: every reader (the export core, the export
 * catalog) goes through here. `problem` says what is wrong (never the text itself); the caller
 * wraps it in its own storage error with the object's location.
 */
export function parseManifest(text: string): { readonly manifest: Manifest } | { readonly problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: 'is not JSON' };
  }
  const parsed = ManifestSchema.safeParse(json);
  return parsed.success ? { manifest: parsed.data } : { problem: `is invalid: ${formatIssues(parsed.error)}` };
}
