import { z } from 'zod';
import { CsvDialectSchema } from './csv-dialect.js';
import { EngineSchema, formatIssues } from './job-config.js';

export const ManifestObjectSchema = z.object({
  key: z.string(),
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  /** Hex SHA-256 of the stored bytes (after compression). */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export const ManifestColumnSchema = z.object({
  name: z.string(),
  /** The engine's own type name, e.g. `decimal(65,30)`, `timestamptz`. */
  sourceType: z.string(),
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
  /** Zone-aware timestamps in the data are in this zone. */
  timeZone: z.literal('UTC'),
  exporterVersion: z.string(),
});

export type Manifest = z.infer<typeof ManifestSchema>;
export type ManifestObject = z.infer<typeof ManifestObjectSchema>;
export type ManifestColumn = z.infer<typeof ManifestColumnSchema>;

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
