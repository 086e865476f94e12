import { Arn, ArnFormat, Aws, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { STAGED_LEASE_TTL_MS, type JobConfig } from '@rds-s3-export/shared-types';
import { Construct } from 'constructs';
import { acknowledge, nagFlatten } from '../nag.js';

/** How long the `plan` step's lease on the job lasts: the shared-types constant the exporter uses. */
export const STAGED_LEASE_TTL = Duration.millis(STAGED_LEASE_TTL_MS);
/** The longest Lambda invocation: a chunk started just before the machine times out still runs this long. */
const MAX_LAMBDA_INVOCATION = Duration.minutes(15);
/** @see ParallelExportStateMachineProps.timeout */
export const DEFAULT_PARALLEL_TIMEOUT = Duration.minutes(100);

/**
 * The errors of the Lambda service itself (not of the handler): the invocation may not have run,
 * so repeating it is always right. `TooManyRequestsException` is throttling, likely while a Map
 * fans out against the account's concurrency.
 */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
] as const;

export interface ParallelExportStateMachineProps {
  /** The job; must have `parallel` (chunks, maxConcurrency). One state machine per job. */
  readonly job: JobConfig;
  /** The exporter function: it answers the staged actions plan / chunk / commit / abort. */
  readonly exporter: lambda.IFunction;
  /**
   * Timeout of one execution. It must end before the lease of the `plan` step expires (2 h) by
   * at least one Lambda invocation (15 min), because a timed-out execution runs no `abort` and
   * its last chunk invocations keep writing until their own timeout: only then may the next
   * slot take the lease. The default leaves 5 more minutes of margin.
   * @default Duration.minutes(100)
   */
  readonly timeout?: Duration;
  /** Retries of one chunk after its Lambda failed (exponential backoff with jitter). @default 2 */
  readonly chunkRetryAttempts?: number;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A Distributed Map that renders `ToleratedFailurePercentage: 0` explicitly. CDK omits a 0
 * (falsy) value; 0 is also the service default, but the definition should say that one failed
 * chunk (after its retries) fails the whole Map, where a reviewer reads it.
 */
class StrictDistributedMap extends sfn.DistributedMap {
  override toStateJson(queryLanguage?: sfn.QueryLanguage): object {
    return { ...super.toStateJson(queryLanguage), ToleratedFailurePercentage: 0 };
  }
}

/**
 * The parallel export of one job on AWS Step Functions (issue 7):
 *
 * ```
 * ValidateInput -> Plan -> Planned? --planned--> ExportChunks (Distributed Map) -> Commit -> Committed
 *                             |                         | any failure                  | any failure
 *                             |                         v                              v
 *                             |                       Abort -> CommittedAfterAll? --no--> ExportFailed (Fail)
 *                             |                                   |--yes (manifest was written)--> CommittedBeforeFailure
 *                             +-- committed / already-committed / skipped --> NothingToExport (Succeed)
 * ```
 *
 * One machine per job, not one shared machine with the job in the input: the Map's
 * `MaxConcurrency` is the job's `parallel.maxConcurrency` written into the definition (an input
 * value could be raised by whoever starts an execution, and the limit exists to protect the
 * database), the machine refuses input for another job, the scheduler role of a job can start
 * exactly one machine, and metrics/alarms/execution history are per job. Idle machines cost nothing.
 *
 * Every step invokes the same exporter function (`payloadResponseOnly`): the handler routes
 * events with an `action` to the staged steps. The Map runs each chunk as a STANDARD child
 * workflow (a chunk may take the full 15 minutes of a Lambda; EXPRESS children stop at 5).
 */
export class ParallelExportStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly jobName: string;
  private readonly exporterFunction: lambda.IFunction;

  constructor(scope: Construct, id: string, props: ParallelExportStateMachineProps) {
    super(scope, id);
    const { job, exporter } = props;
    if (!job.parallel) throw new Error(`job "${job.name}" has no "parallel" settings: it runs on the direct Lambda path`);
    const timeout = props.timeout ?? DEFAULT_PARALLEL_TIMEOUT;
    if (timeout.toSeconds() + MAX_LAMBDA_INVOCATION.toSeconds() >= STAGED_LEASE_TTL.toSeconds()) {
      throw new Error(
        `the timeout of job "${job.name}"'s state machine (${timeout.toMinutes()} min) plus one Lambda invocation (15 min) must stay below the staged lease (${STAGED_LEASE_TTL.toMinutes()} min)`,
      );
    }
    this.jobName = job.name;
    this.exporterFunction = exporter;
    const name = job.name;

    const serviceRetry: sfn.RetryProps = { errors: [...LAMBDA_SERVICE_ERRORS], interval: Duration.seconds(2), maxAttempts: 6, backoffRate: 2, jitterStrategy: sfn.JitterType.FULL };
    // No payload: the function gets the state's input as it is (with `payloadResponseOnly` a
    // `TaskInput.fromJsonPathAt('$')` would render an invalid `"Parameters": "$"`).
    const invoke = (stateId: string, payload?: sfn.TaskInput, resultPath?: string) =>
      new tasks.LambdaInvoke(this, stateId, {
        lambdaFunction: exporter,
        ...(payload && { payload }),
        payloadResponseOnly: true,
        // Written out below (serviceRetry) so that the definition shows exactly what is retried.
        retryOnServiceExceptions: false,
        ...(resultPath !== undefined && { resultPath }),
      }).addRetry(serviceRetry);

    const failed = new sfn.Fail(this, 'ExportFailed', {
      comment: 'The run was aborted (parts removed, lease released, cursor unchanged): the execution fails so that the alarm fires.',
      errorPath: '$.error.Error',
      causePath: '$.error.Cause',
    });
    const abort = invoke(
      'Abort',
      sfn.TaskInput.fromObject({ action: 'abort', job: name, plan: sfn.JsonPath.objectAt('$.plan'), error: sfn.JsonPath.objectAt('$.error') }),
      '$.aborted',
    )
      // Abort removes the parts and releases the lease: worth a few more tries.
      .addRetry({ errors: [sfn.Errors.ALL], interval: Duration.seconds(10), maxAttempts: 2, backoffRate: 2, jitterStrategy: sfn.JitterType.FULL })
      // If abort itself fails, the execution still fails with the original error.
      .addCatch(failed, { errors: [sfn.Errors.ALL], resultPath: '$.abortError' })
      // A commit that failed after writing its manifest is committed: abort then only settles the
      // cursor and the lease (it never deletes parts a manifest lists) and the run succeeds.
      .next(
        new sfn.Choice(this, 'CommittedAfterAll?')
          .when(sfn.Condition.and(sfn.Condition.isPresent('$.aborted.committed'), sfn.Condition.booleanEquals('$.aborted.committed', true)), new sfn.Succeed(this, 'CommittedBeforeFailure'))
          .otherwise(failed),
      );

    const chunk = invoke('ExportChunk').addRetry({
      errors: [sfn.Errors.ALL],
      interval: Duration.seconds(30),
      maxAttempts: props.chunkRetryAttempts ?? 2,
      backoffRate: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });
    const map = new StrictDistributedMap(this, 'ExportChunks', {
      comment: `Chunks of the plan, at most ${job.parallel.maxConcurrency} at a time (parallel.maxConcurrency) so that the database is not overwhelmed`,
      itemsPath: '$.chunks',
      itemSelector: { action: 'chunk', job: name, plan: sfn.JsonPath.objectAt('$.plan'), index: sfn.JsonPath.numberAt('$$.Map.Item.Value.index') },
      maxConcurrency: job.parallel.maxConcurrency,
      toleratedFailurePercentage: 0,
      mapExecutionType: sfn.StateMachineType.STANDARD,
      label: 'chunk',
      resultPath: '$.results',
    });
    map.itemProcessor(chunk);
    map.addCatch(abort, { errors: [sfn.Errors.ALL], resultPath: '$.error' });

    const commit = invoke(
      'Commit',
      sfn.TaskInput.fromObject({ action: 'commit', job: name, plan: sfn.JsonPath.objectAt('$.plan'), results: sfn.JsonPath.objectAt('$.results') }),
    ).addCatch(abort, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    map.next(commit);
    commit.next(new sfn.Succeed(this, 'Committed'));

    const statusIs = (status: string) => sfn.Condition.and(sfn.Condition.isPresent('$.status'), sfn.Condition.stringEquals('$.status', status));
    const planned = new sfn.Choice(this, 'Planned?')
      .when(statusIs('planned'), map)
      .when(
        sfn.Condition.or(statusIs('committed'), statusIs('already-committed'), statusIs('skipped')),
        new sfn.Succeed(this, 'NothingToExport', { comment: 'Empty window (committed by the plan), already committed, or another run holds the lease.' }),
      )
      .otherwise(new sfn.Fail(this, 'UnexpectedPlanOutcome', { error: 'UnexpectedPlanOutcome', cause: 'the plan step returned no known status' }));
    // The input is the plan event itself (the handler validates it strictly); no catch: a failed
    // plan has released its lease and has no parts to remove, so the execution just fails.
    const plan = invoke('Plan').next(planned);

    const validate = new sfn.Choice(this, 'ValidateInput')
      .when(
        sfn.Condition.and(
          sfn.Condition.isPresent('$.action'),
          sfn.Condition.stringEquals('$.action', 'plan'),
          sfn.Condition.isPresent('$.job'),
          sfn.Condition.stringEquals('$.job', name),
        ),
        plan,
      )
      .otherwise(
        new sfn.Fail(this, 'InvalidInput', {
          error: 'InvalidInput',
          cause: `this state machine runs job "${name}" only: start it with {"action":"plan","job":"${name}","scheduledTime":"<ISO-8601 time>"}`,
        }),
      );

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      description: `rds-s3-export: Step Functions runs the parallel export of job "${name}"`,
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com', {
        // Confused-deputy guard: only state machines of this account may use the role.
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: `rds-s3-export: parallel export of job "${name}" (plan -> ${job.parallel.chunks} chunks, ${job.parallel.maxConcurrency} at a time -> commit)`,
      definitionBody: sfn.DefinitionBody.fromChainable(validate),
      stateMachineType: sfn.StateMachineType.STANDARD,
      role: this.role,
      timeout,
      tracingEnabled: true,
      // ALL with execution data: the data are the plan (key ranges, cursor window, column types)
      // and chunk results (keys, counts, checksums), never row content.
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });

    this.acknowledgeFindings();
    new CfnOutput(this, 'StateMachineArn', { description: `parallel export of job "${name}"`, value: this.stateMachine.stateMachineArn });
  }

  /**
   * The wildcards Step Functions needs, each named exactly. The role's default policy holds the
   * exporter invoke and the log-delivery/X-Ray actions; `DistributedMapPolicy` (written by CDK's
   * DistributedMap) holds what the Map run needs to manage its child executions: StartExecution
   * on this machine (no wildcard), Describe/StopExecution on this machine's executions, and
   * RedriveExecution on the child executions of the Map run labelled `chunk`.
   */
  private acknowledgeFindings(): void {
    const fnArn = nagFlatten(this, this.exporterArn);
    acknowledge(
      this.role,
      `AwsSolutions-IAM5[Resource::${fnArn}:*]`,
      'lambda:InvokeFunction on the exporter function and its qualified ARNs (versions/aliases, the ":*" suffix), as the LambdaInvoke task grants it; no other function is reachable.',
    );
    acknowledge(
      this.role,
      'AwsSolutions-IAM5[Resource::*]',
      'Only the CloudWatch Logs vended-log delivery actions (Create/Get/Update/Delete/ListLogDeliveries, Put/DescribeResourcePolicies, DescribeLogGroups) that Step Functions logging needs, and the X-Ray PutTraceSegments/PutTelemetryRecords/GetSamplingRules/GetSamplingTargets of tracing: AWS documents none of them with resource-level permissions, so they require Resource "*". The log group itself is fixed by the state machine LoggingConfiguration.',
    );
    const executions = nagFlatten(
      this,
      Stack.of(this).formatArn({ service: 'states', resource: 'execution', resourceName: this.machineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
    );
    acknowledge(
      this.stateMachine,
      `AwsSolutions-IAM5[Resource::${executions}:*]`,
      'states:DescribeExecution/StopExecution on the executions of this one state machine (execution names are generated per run): a Distributed Map run describes and stops its own child executions. Written by CDK DistributedMap; no other state machine is reachable.',
    );
    acknowledge(
      this.stateMachine,
      `AwsSolutions-IAM5[Resource::${executions}/chunk:*]`,
      'states:RedriveExecution on the child executions of the Map run labelled "chunk" of this state machine only (their names are generated per item), so a failed chunk can be redriven. Written by CDK DistributedMap.',
    );
  }

  private get exporterArn(): string {
    return this.exporterFunction.functionArn;
  }

  /** The machine's name as CDK's DistributedMap policy derives it from the ARN. */
  private get machineName(): string {
    return Arn.split(this.stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName!;
  }
}
