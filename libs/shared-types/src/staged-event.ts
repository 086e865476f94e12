/**
 * The staged (Step Functions) actions of a parallel run: the one contract between the state
 * machine's payloads and the exporter. `plan` takes the scheduler's input plus `action`; the
 * others carry the plan the `plan` step returned and, for `commit`, the chunks' results.
 *
 * Everything in these payloads is input from outside the function (whoever may start the state
 * machine or invoke the Lambda can write it), so every field is parsed, not cast: a field that is
 * missing, of the wrong type, or inconsistent (a run id that does not name the run time, a range
 * over another column, a chunk result of another run) fails with an error naming that field.
 * What the payloads cannot prove (that the plan is the run in flight) the exporter checks
 * against the state store before it deletes anything.
 */
import { z } from 'zod';
import { EngineSchema } from './job-config.js';
import { ColumnKindSchema, CursorSchema, ManifestObjectSchema } from './manifest.js';
import { JOB_NAME_PATTERN } from './naming-rules.js';
import { RUN_ID_PATTERN, runIdFor } from './object-keys.js';

/** As the plan step's chunk limit (export-core `planChunks`). */
export const MAX_STAGED_CHUNKS = 10_000;

const isoTime = z
  .string()
  .trim()
  .refine((s) => /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(new Date(s).getTime()), 'must be an ISO-8601 time like 2026-02-22T10:12:00Z');

const jobName = z.string().trim().regex(JOB_NAME_PATTERN, 'must be a job name from the catalog');

export const KeyRangeSchema = z
  .object({
    column: z.string().min(1),
    /** Inclusive; null = unbounded. */
    lower: z.string().nullable(),
    /** Exclusive; null = unbounded. */
    upper: z.string().nullable(),
  })
  .strict();

export const ResolvedWindowSchema = z
  .object({ from: CursorSchema.strict().nullable(), to: CursorSchema.strict().nullable(), rows: z.number().int().nonnegative() })
  .strict();

/** What the `plan` step returns and every later step gets back (export-core `StagedPlan`). */
export const StagedPlanSchema = z
  .object({
    job: jobName,
    runId: z.string().regex(RUN_ID_PATTERN, 'must be a run id: <job>_YYYYMMDD_HHMMSS'),
    runTime: isoTime,
    mode: z.enum(['full', 'incremental']),
    keyColumn: z.string().min(1).max(128),
    ranges: z.array(KeyRangeSchema).min(1).max(MAX_STAGED_CHUNKS),
    window: ResolvedWindowSchema.nullable(),
    rows: z.number().int().nonnegative(),
    columns: z.array(z.object({ name: z.string(), sourceType: z.string(), kind: ColumnKindSchema.optional() }).strict()),
    engine: EngineSchema,
  })
  .strict()
  .superRefine((plan, ctx) => {
    // Part keys are derived from the job and the run time; the manifest check uses the run id.
    // They must name the same run, or an abort could clear one run's parts under another's id.
    const expected = runIdFor(plan.job, new Date(plan.runTime));
    if (plan.runId !== expected) {
      ctx.addIssue({ code: 'custom', path: ['runId'], message: `must be the run id of job "${plan.job}" at runTime ${plan.runTime} ("${expected}")` });
    }
    plan.ranges.forEach((range, index) => {
      if (range.column !== plan.keyColumn) ctx.addIssue({ code: 'custom', path: ['ranges', index, 'column'], message: `must be the plan's keyColumn "${plan.keyColumn}"` });
    });
  });
export type StagedPlanPayload = z.infer<typeof StagedPlanSchema>;

/** What a `chunk` step returns to the commit step (export-core `ChunkResult`). */
export const ChunkResultSchema = z
  .object({
    runId: z.string().min(1),
    index: z.number().int().nonnegative().max(MAX_STAGED_CHUNKS - 1),
    objects: z.array(ManifestObjectSchema.strict()).max(1000),
    rows: z.number().int().nonnegative(),
    sourceRows: z.number().int().nonnegative(),
    exporterVersion: z.string().min(1),
  })
  .strict();
export type ChunkResultPayload = z.infer<typeof ChunkResultSchema>;

export const StagedPlanEventSchema = z
  .object({
    action: z.literal('plan'),
    job: jobName,
    scheduledTime: isoTime.optional(),
    runTime: isoTime.optional(),
    mode: z.enum(['full', 'incremental']).optional(),
  })
  .strict();

export const StagedChunkEventSchema = z.object({ action: z.literal('chunk'), job: jobName, plan: StagedPlanSchema, index: z.number().int().nonnegative() }).strict();

export const StagedCommitEventSchema = z
  .object({ action: z.literal('commit'), job: jobName, plan: StagedPlanSchema, results: z.array(ChunkResultSchema).min(1).max(MAX_STAGED_CHUNKS) })
  .strict()
  .superRefine((event, ctx) => {
    const expected = event.plan.ranges.length;
    if (event.results.length !== expected) ctx.addIssue({ code: 'custom', path: ['results'], message: `must hold one result per chunk of the plan (${expected}); got ${event.results.length}` });
    const seen = new Set<number>();
    event.results.forEach((result, i) => {
      if (result.runId !== event.plan.runId) ctx.addIssue({ code: 'custom', path: ['results', i, 'runId'], message: `must be the plan's run "${event.plan.runId}"` });
      if (result.index >= expected || seen.has(result.index)) ctx.addIssue({ code: 'custom', path: ['results', i, 'index'], message: `must be a chunk index of the plan (0..${expected - 1}), each once` });
      seen.add(result.index);
    });
  });

/** `error`: the state machine's catch output ({Error, Cause}), logged, never trusted. */
export const StagedAbortEventSchema = z.object({ action: z.literal('abort'), job: jobName, plan: StagedPlanSchema, error: z.unknown().optional() }).strict();

export const StagedEventSchema = z
  .discriminatedUnion('action', [StagedPlanEventSchema, StagedChunkEventSchema, StagedCommitEventSchema, StagedAbortEventSchema])
  .superRefine((event, ctx) => {
    if (event.action !== 'plan' && event.plan.job !== event.job) {
      ctx.addIssue({ code: 'custom', path: ['plan', 'job'], message: `must be the event's job "${event.job}"` });
    }
  });
export type StagedEvent = z.infer<typeof StagedEventSchema>;
