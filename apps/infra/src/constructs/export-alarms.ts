import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { JobConfig } from '@rds-s3-export/shared-types';
import { Construct } from 'constructs';
import { schedulePeriodSeconds } from '../schedule-period.js';
import { METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME } from './export-function.js';

/**
 * The EMF metric that proves a committed run: the runtime emits `RowsExported` (0 included) once
 * per committed run, with the dimensions `service` (Powertools default) and `job`.
 */
export const COMMITTED_RUN_METRIC = { namespace: METRICS_NAMESPACE, metricName: 'RowsExported' } as const;

const DAY = 86_400;
/** CloudWatch evaluates at most 7 days of data for one alarm. */
const MAX_WINDOW = 7 * DAY;

export interface ExportAlarmsProps {
  readonly exporter: lambda.IFunction;
  readonly deadLetterQueue: sqs.IQueue;
  /** Jobs with a schedule get a staleness alarm. */
  readonly jobs: readonly JobConfig[];
  /** The state machine of each parallel job, by job name: each gets an executions alarm. @default none */
  readonly stateMachines?: ReadonlyMap<string, sfn.IStateMachine>;
  /** Subscribe this address to the alarm topic (confirmation mail). @default no subscription */
  readonly alarmEmail?: string;
  /**
   * Customer-managed key to encrypt the topic with; CloudWatch is allowed to use it. The AWS
   * managed `alias/aws/sns` key is no option: its key policy cannot admit CloudWatch alarms.
   * @default not encrypted at rest (the messages are alarm state changes, no export data)
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * Alarms to one SNS topic: exporter errors, dead-letter queue not empty (a scheduled run was
 * given up), and per scheduled job a staleness alarm: no committed run within two schedule
 * periods (missing data counts as stale, so a job that never ran alarms too).
 */
export class ExportAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly deadLetterAlarm: cloudwatch.Alarm;
  readonly stalenessAlarms: ReadonlyMap<string, cloudwatch.Alarm>;
  /** Per parallel job: an execution of its state machine failed, timed out or was stopped. */
  readonly executionAlarms: ReadonlyMap<string, cloudwatch.Alarm>;

  constructor(scope: Construct, id: string, props: ExportAlarmsProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'rds-s3-export alarms',
      enforceSSL: true,
      ...(props.encryptionKey && { masterKey: props.encryptionKey }),
    });
    props.encryptionKey?.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const action = new actions.SnsAction(this.topic);
    const withActions = (alarm: cloudwatch.Alarm): cloudwatch.Alarm => {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      return alarm;
    };

    this.errorsAlarm = withActions(
      props.exporter.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }).createAlarm(this, 'Errors', {
        alarmDescription: 'rds-s3-export: the exporter Lambda failed (see its log group; error class in the run summary line)',
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    this.deadLetterAlarm = withActions(
      props.deadLetterQueue
        .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM })
        .createAlarm(this, 'DeadLetters', {
          alarmDescription: 'rds-s3-export: a scheduled run was given up after its retries (message in the dead-letter queue)',
          threshold: 0,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
    );

    const staleness = new Map<string, cloudwatch.Alarm>();
    for (const job of props.jobs) {
      if (!job.schedule) continue;
      const window = stalenessWindow(schedulePeriodSeconds(job.schedule.expression));
      const metric = new cloudwatch.Metric({
        ...COMMITTED_RUN_METRIC,
        dimensionsMap: { service: POWERTOOLS_SERVICE_NAME, job: job.name },
        statistic: cloudwatch.Stats.SAMPLE_COUNT,
        period: Duration.seconds(window.periodSeconds),
      });
      staleness.set(
        job.name,
        withActions(
          metric.createAlarm(this, `Stale-${job.name}`, {
            alarmDescription: `rds-s3-export: job "${job.name}" has no committed run within two schedule periods (${job.schedule.expression})`,
            threshold: 1,
            evaluationPeriods: window.evaluationPeriods,
            datapointsToAlarm: window.evaluationPeriods,
            comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            treatMissingData: cloudwatch.TreatMissingData.BREACHING,
          }),
        ),
      );
    }
    this.stalenessAlarms = staleness;

    // A failed execution has run `abort` (parts removed, lease released). A timed-out or
    // stopped one has not: its lease holds until the TTL and its parts stay until the next run
    // of the slot, so those count as failures too. FILL: a metric without data is 0 here.
    const executions = new Map<string, cloudwatch.Alarm>();
    for (const [job, machine] of props.stateMachines ?? new Map<string, sfn.IStateMachine>()) {
      const period = Duration.minutes(5);
      const expression = new cloudwatch.MathExpression({
        expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)',
        label: `failed, timed-out or stopped executions of job ${job}`,
        usingMetrics: {
          failed: machine.metricFailed({ period, statistic: cloudwatch.Stats.SUM }),
          timedOut: machine.metricTimedOut({ period, statistic: cloudwatch.Stats.SUM }),
          aborted: machine.metricAborted({ period, statistic: cloudwatch.Stats.SUM }),
        },
        period,
      });
      executions.set(
        job,
        withActions(
          expression.createAlarm(this, `Executions-${job}`, {
            alarmDescription: `rds-s3-export: a parallel export of job "${job}" failed, timed out or was stopped (see the state machine's executions)`,
            threshold: 1,
            evaluationPeriods: 1,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          }),
        ),
      );
    }
    this.executionAlarms = executions;
  }
}

/**
 * Two schedule periods as alarm periods: one period when it fits in a day (CloudWatch's
 * longest period), else whole days, all of which must be empty; capped at 7 days.
 */
export function stalenessWindow(schedulePeriod: number): { periodSeconds: number; evaluationPeriods: number } {
  const window = Math.min(2 * schedulePeriod, MAX_WINDOW);
  if (window <= DAY) return { periodSeconds: Math.ceil(window / 60) * 60, evaluationPeriods: 1 };
  return { periodSeconds: DAY, evaluationPeriods: Math.ceil(window / DAY) };
}
