import { z } from 'zod';
import { JOB_NAME_PATTERN } from './naming-rules.js';

const isoTime = z
  .string()
  .trim()
  .refine((s) => /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(new Date(s).getTime()), 'must be an ISO-8601 time like 2026-02-22T10:12:00Z');

/**
 * What the exporter Lambda accepts: the EventBridge Scheduler input
 * `{ job, scheduledTime: <aws.scheduler.scheduled-time> }`, or a manual run
 * `{ job, mode?, runTime? }` (runTime defaults to the invocation time).
 */
export const ExporterEventSchema = z
  .object({
    job: z.string().trim().regex(JOB_NAME_PATTERN, 'must be a job name from the catalog'),
    scheduledTime: isoTime.optional(),
    runTime: isoTime.optional(),
    mode: z.enum(['full', 'incremental']).optional(),
    /** Manual runs only: export in this many chunks in this invocation (local parallel). */
    chunks: z.number().int().min(1).max(1000).optional(),
    /** Manual runs only: export although the columns differ from the last committed run's. */
    acceptSchemaChange: z.boolean().optional(),
  })
  .strict()
  .refine((e) => !(e.scheduledTime && e.runTime), { message: 'give scheduledTime (scheduler) or runTime (manual), not both', path: ['runTime'] });

export type ExporterEvent = z.infer<typeof ExporterEventSchema>;

// The staged (Step Functions) events of a parallel run: ./staged-event.ts.
