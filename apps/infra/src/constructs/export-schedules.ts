import { Aws, Duration, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { JobConfig } from '@rds-s3-export/shared-types';
import { Construct } from 'constructs';
import { acknowledge, nagFlatten } from '../nag.js';

export interface ExportSchedulesProps {
  /** The exporter function every schedule invokes. */
  readonly target: lambda.IFunction;
  /** Jobs of the catalog; a job without `schedule` runs on demand only and gets no schedule. */
  readonly jobs: readonly JobConfig[];
  /**
   * The state machine of each `parallel` job (see `ParallelExportStateMachine`), by job name:
   * its schedule starts an execution with `{action: 'plan', job, scheduledTime}` instead of
   * invoking the exporter directly.
   * @default none (every job invokes the exporter directly)
   */
  readonly stateMachines?: ReadonlyMap<string, sfn.IStateMachine>;
  /**
   * Retries of one scheduled run after the invocation failed. The run id is derived from the
   * scheduled time, so a retry repeats the same slot and is idempotent.
   * @default 2
   */
  readonly retryAttempts?: number;
  /** How long the scheduler keeps retrying one slot. @default Duration.hours(1) */
  readonly maxEventAge?: Duration;
  /** Customer-managed key of the dead-letter queue. @default SQS-managed SSE */
  readonly encryptionKey?: kms.IKey;
  /** Leave schedules disabled (e.g. in a staging account without data). @default true */
  readonly enabled?: boolean;
}

/**
 * One EventBridge Scheduler schedule per job (rate or cron, in the job's time zone), all in one
 * schedule group, invoking the exporter with `{ job, scheduledTime }` where `scheduledTime` is
 * the scheduler's `<aws.scheduler.scheduled-time>` (so the run id of a slot is deterministic).
 * Failed invocations are retried, then land in an SQS dead-letter queue that an alarm watches.
 * A `parallel` job's schedule starts its state machine instead (`{ action: 'plan', job,
 * scheduledTime }`), with a role of its own that may start that one machine only.
 */
export class ExportSchedules extends Construct {
  readonly group: scheduler.ScheduleGroup;
  readonly deadLetterQueue: sqs.Queue;
  readonly schedules: ReadonlyMap<string, scheduler.Schedule>;
  /** The role the scheduler invokes the exporter with (and sends to the dead-letter queue with). */
  readonly role: iam.Role;
  /**
   * Per parallel job, the role its schedule starts that job's state machine with: one role per
   * machine, so that a schedule can start exactly one machine (and send to the dead-letter queue).
   */
  readonly startRoles: ReadonlyMap<string, iam.Role>;

  constructor(scope: Construct, id: string, props: ExportSchedulesProps) {
    super(scope, id);
    this.group = new scheduler.ScheduleGroup(this, 'Group', {});
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
      ...(props.encryptionKey
        ? { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: props.encryptionKey }
        : { encryption: sqs.QueueEncryption.SQS_MANAGED }),
    });

    this.role = new iam.Role(this, 'InvokeRole', {
      description: 'rds-s3-export: EventBridge Scheduler invokes the exporter',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        // Confused-deputy guard: only schedules of this account may use the role.
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    });
    acknowledge(
      this.role,
      `AwsSolutions-IAM5[Resource::${nagFlatten(this, props.target.functionArn)}:*]`,
      'lambda:InvokeFunction on the exporter function and its qualified ARNs (versions/aliases, the ":*" suffix), as Function.grantInvoke writes it; no other function is reachable.',
    );

    const schedules = new Map<string, scheduler.Schedule>();
    const startRoles = new Map<string, iam.Role>();
    const delivery = {
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: props.retryAttempts ?? 2,
      maxEventAge: props.maxEventAge ?? Duration.hours(1),
    };
    for (const job of props.jobs) {
      if (!job.schedule) continue;
      const machine = props.stateMachines?.get(job.name);
      if (job.parallel && !machine) throw new Error(`job "${job.name}" is parallel but ExportSchedules got no state machine for it`);
      let target: scheduler.IScheduleTarget;
      if (machine) {
        const role = new iam.Role(this, `StartRole-${job.name}`, {
          description: `rds-s3-export: EventBridge Scheduler starts the parallel export of job "${job.name}"`,
          assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
            conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
          }),
        });
        startRoles.set(job.name, role);
        // StartExecution only: the run id comes from the scheduled time, so a retried start of
        // the same slot plans the same run (and is skipped while the first one holds the lease).
        target = new targets.StepFunctionsStartExecution(machine, {
          input: scheduler.ScheduleTargetInput.fromObject({ action: 'plan', job: job.name, scheduledTime: scheduler.ContextAttribute.scheduledTime }),
          role,
          ...delivery,
        });
      } else {
        target = new targets.LambdaInvoke(props.target, {
          input: scheduler.ScheduleTargetInput.fromObject({ job: job.name, scheduledTime: scheduler.ContextAttribute.scheduledTime }),
          role: this.role,
          ...delivery,
        });
      }
      schedules.set(
        job.name,
        new scheduler.Schedule(this, `Schedule-${job.name}`, {
          scheduleGroup: this.group,
          description: `rds-s3-export job "${job.name}"`,
          schedule: scheduler.ScheduleExpression.expression(job.schedule.expression, TimeZone.of(job.schedule.timeZone)),
          target,
          enabled: props.enabled ?? true,
        }),
      );
    }
    this.schedules = schedules;
    this.startRoles = startRoles;
  }
}
