import { z } from 'zod';
import { ErrorClassSchema } from './error-class.js';
import { CursorSchema } from './manifest.js';

/**
 * The one structured line every run logs (message "run summary"), committed, skipped or
 * failed. The dashboard reads failed runs back from the logs with this schema.
 */
export const RunSummarySchema = z.object({
  runId: z.string(),
  job: z.string(),
  status: z.enum(['committed', 'already-committed', 'skipped', 'failed']),
  mode: z.enum(['full', 'incremental']),
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  durationMs: z.number().int().nonnegative(),
  keys: z.array(z.string()),
  cursor: z.object({ from: CursorSchema.nullable(), to: CursorSchema.nullable() }).nullable(),
  errorClass: ErrorClassSchema.optional(),
  code: z.string().optional(),
  error: z.string().optional(),
  reason: z.string().optional(),
});

export type RunSummary = z.infer<typeof RunSummarySchema>;
