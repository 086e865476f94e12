/**
 * The state a job keeps between runs, and the protocol constants every process that touches it
 * must agree on: the export core writes it through its `StateStore` port, libs/aws stores it in
 * DynamoDB, apps/infra sizes the state machine's timeout against the staged lease. One
 * definition here, so no adapter keeps a shadow copy of the shapes.
 */
import { z } from 'zod';
import { CursorSchema } from './manifest.js';

/** Position of an incremental export (the last row exported), as the server's text. */
export type Cursor = z.infer<typeof CursorSchema>;

/** A run's window, recorded before its data is written (the first half of the two-step commit). */
export const PendingCommitSchema = z.object({
  runId: z.string().min(1),
  from: CursorSchema.nullable(),
  to: CursorSchema.nullable(),
});
export type PendingCommit = z.infer<typeof PendingCommitSchema>;

export const JobStateSchema = z.object({
  cursor: CursorSchema.nullable(),
  pending: PendingCommitSchema.nullable(),
  /** The last run that committed (its manifest holds the columns the next run must match). */
  lastRunId: z.string().nullable().optional(),
});
export type JobState = z.infer<typeof JobStateSchema>;

/**
 * The lease of a run in one invocation (owned by the Lambda request id): Lambda's 15-minute
 * limit plus a minute, so a crashed run never blocks its job for long.
 */
export const INLINE_LEASE_TTL_MS = 16 * 60 * 1000;

/**
 * The lease of a staged (Step Functions) run, owned by the run id from plan to commit or abort.
 * apps/infra refuses a state-machine timeout that, plus one Lambda invocation, reaches it.
 */
export const STAGED_LEASE_TTL_MS = 2 * 60 * 60 * 1000;
