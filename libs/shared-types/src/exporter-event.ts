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

/**
 * The staged (Step Functions) actions of a parallel run. `plan` takes the scheduler's input
 * plus `action`; the others carry the plan the `plan` step returned (opaque JSON to the state
 * machine).
 */
const PlanPayload = z.record(z.string(), z.unknown());
export const StagedEventSchema = z.discriminatedUnion('action', [
  z
    .object({
      action: z.literal('plan'),
      job: z.string().trim().regex(JOB_NAME_PATTERN, 'must be a job name from the catalog'),
      scheduledTime: isoTime.optional(),
      runTime: isoTime.optional(),
      mode: z.enum(['full', 'incremental']).optional(),
    })
    .strict(),
  z.object({ action: z.literal('chunk'), job: z.string().trim(), plan: PlanPayload, index: z.number().int().nonnegative() }).strict(),
  z.object({ action: z.literal('commit'), job: z.string().trim(), plan: PlanPayload, results: z.array(PlanPayload) }).strict(),
  z.object({ action: z.literal('abort'), job: z.string().trim(), plan: PlanPayload, error: z.unknown().optional() }).strict(),
]);

export type StagedEvent = z.infer<typeof StagedEventSchema>;
