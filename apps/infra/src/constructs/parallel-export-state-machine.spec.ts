import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalogJobs, PARALLEL_TEST_JOB, testApp, testJobs, testPipeline } from '../testing/test-settings.js';
import { DEFAULT_PARALLEL_TIMEOUT, LAMBDA_SERVICE_ERRORS, ParallelExportStateMachine, STAGED_LEASE_TTL } from './parallel-export-state-machine.js';

type Json = Record<string, unknown>;
type Resources = Record<string, { Type: string; Properties: Json }>;
interface State extends Json {
  Type: string;
  Next?: string;
  End?: boolean;
  Retry?: Json[];
  Catch?: { ErrorEquals: string[]; ResultPath?: string; Next: string }[];
}

let template: Template;
let resources: Resources;
let definition: { StartAt: string; TimeoutSeconds?: number; States: Record<string, State> };
let functionId: string;
let machineId: string;
const job = testJobs().find((j) => j.name === PARALLEL_TEST_JOB)!;
const FN = '<exporter>';

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const state = (name: string): State => {
  const s = definition.States[name] ?? (definition.States.ExportChunks!.ItemProcessor as { States: Record<string, State> }).States[name];
  expect(s, `state ${name}`).toBeDefined();
  return s!;
};
const SERVICE_RETRY = { ErrorEquals: [...LAMBDA_SERVICE_ERRORS], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, JitterStrategy: 'FULL' };

beforeAll(() => {
  // Prepare: the pipeline with the test catalog (one parallel job among direct ones), one synth.
  template = Template.fromStack(testPipeline({ jobs: testJobs() }).stack);
  resources = template.toJSON().Resources as Resources;
  functionId = ofType('AWS::Lambda::Function')[0]![0];
  const machines = ofType('AWS::StepFunctions::StateMachine');
  expect(machines).toHaveLength(1);
  machineId = machines[0]![0];
  // Act: read the definition back as JSON, the function ARN replaced by a marker.
  const parts = (machines[0]![1].Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  definition = JSON.parse(
    parts
      .map((p) => {
        if (typeof p === 'string') return p;
        expect(p).toEqual({ 'Fn::GetAtt': [functionId, 'Arn'] });
        return FN;
      })
      .join(''),
  ) as typeof definition;
});

describe('Construct: ParallelExportStateMachine', () => {
  it('runs validate -> plan -> planned? -> Distributed Map -> commit, and nothing else', () => {
    expect(definition.StartAt).toBe('ValidateInput');
    expect(Object.keys(definition.States).sort()).toEqual(
      ['Abort', 'Commit', 'Committed', 'CommittedAfterAll?', 'CommittedBeforeFailure', 'ExportChunks', 'ExportFailed', 'InvalidInput', 'NothingToExport', 'Plan', 'Planned?', 'UnexpectedPlanOutcome', 'ValidateInput'].sort(),
    );
    expect(state('ValidateInput')).toMatchObject({
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.action', IsPresent: true },
            { Variable: '$.action', StringEquals: 'plan' },
            { Variable: '$.job', IsPresent: true },
            { Variable: '$.job', StringEquals: PARALLEL_TEST_JOB },
          ],
          Next: 'Plan',
        },
      ],
      Default: 'InvalidInput',
    });
    expect(state('InvalidInput')).toMatchObject({ Type: 'Fail', Error: 'InvalidInput' });
    expect(state('Plan')).toMatchObject({ Type: 'Task', Resource: FN, Next: 'Planned?' });
    // No Parameters: the exporter gets the execution input ({action: 'plan', job, scheduledTime}) as is.
    expect(state('Plan').Parameters).toBeUndefined();
    expect(state('Plan').Catch).toBeUndefined();
    expect(state('Commit')).toMatchObject({
      Type: 'Task',
      Resource: FN,
      Parameters: { action: 'commit', job: PARALLEL_TEST_JOB, 'plan.$': '$.plan', 'results.$': '$.results' },
      Next: 'Committed',
    });
    expect(state('Committed').Type).toBe('Succeed');
  });

  it('fans out only a planned run; committed, already-committed and skipped plans succeed without a Map', () => {
    const choice = state('Planned?') as State & { Choices: Json[]; Default: string };
    expect(choice.Type).toBe('Choice');
    const when = (status: string) => ({ And: [{ Variable: '$.status', IsPresent: true }, { Variable: '$.status', StringEquals: status }] });
    expect(choice.Choices).toEqual([
      { ...when('planned'), Next: 'ExportChunks' },
      { Or: [when('committed'), when('already-committed'), when('skipped')], Next: 'NothingToExport' },
    ]);
    expect(state('NothingToExport').Type).toBe('Succeed');
    expect(choice.Default).toBe('UnexpectedPlanOutcome');
    expect(state('UnexpectedPlanOutcome').Type).toBe('Fail');
  });

  it('exports the chunks in a Distributed Map of STANDARD children, the job\'s max concurrency, no tolerated failure', () => {
    expect(state('ExportChunks')).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.chunks',
      ItemSelector: { action: 'chunk', job: PARALLEL_TEST_JOB, 'plan.$': '$.plan', 'index.$': '$$.Map.Item.Value.index' },
      MaxConcurrency: job.parallel!.maxConcurrency,
      ToleratedFailurePercentage: 0,
      Label: 'chunk',
      ResultPath: '$.results',
      Next: 'Commit',
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'ExportChunk' },
    });
    expect(state('ExportChunks').MaxConcurrency).toBe(3);
    expect(state('ExportChunk')).toMatchObject({ Type: 'Task', Resource: FN, End: true });
    expect(state('ExportChunk').Parameters).toBeUndefined();
  });

  it('retries Lambda service errors on every step, and a failed chunk twice more with backoff', () => {
    for (const name of ['Plan', 'Commit', 'Abort', 'ExportChunk']) expect(state(name).Retry?.[0], name).toEqual(SERVICE_RETRY);
    expect(state('Plan').Retry).toHaveLength(1);
    expect(state('Commit').Retry).toHaveLength(1);
    expect(state('ExportChunk').Retry).toEqual([
      SERVICE_RETRY,
      { ErrorEquals: ['States.ALL'], IntervalSeconds: 30, MaxAttempts: 2, BackoffRate: 2, JitterStrategy: 'FULL' },
    ]);
  });

  it('catches any failure of the Map or the commit, aborts the run, then fails the execution', () => {
    const toAbort = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Abort' }];
    expect(state('ExportChunks').Catch).toEqual(toAbort);
    expect(state('Commit').Catch).toEqual(toAbort);
    expect(state('Abort')).toMatchObject({
      Type: 'Task',
      Resource: FN,
      Parameters: { action: 'abort', job: PARALLEL_TEST_JOB, 'plan.$': '$.plan', 'error.$': '$.error' },
      // The abort's own output must not overwrite the error the Fail state reports.
      ResultPath: '$.aborted',
      Next: 'CommittedAfterAll?',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.abortError', Next: 'ExportFailed' }],
    });
    // A commit that failed after writing its manifest is committed: abort reports it and the run succeeds.
    expect(state('CommittedAfterAll?')).toMatchObject({
      Type: 'Choice',
      Choices: [{ And: [{ Variable: '$.aborted.committed', IsPresent: true }, { Variable: '$.aborted.committed', BooleanEquals: true }], Next: 'CommittedBeforeFailure' }],
      Default: 'ExportFailed',
    });
    expect(state('ExportFailed')).toMatchObject({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
  });

  it('times out before the staged lease expires, by at least one Lambda invocation', () => {
    expect(definition.TimeoutSeconds).toBe(DEFAULT_PARALLEL_TIMEOUT.toSeconds());
    expect(DEFAULT_PARALLEL_TIMEOUT.toSeconds() + 15 * 60).toBeLessThan(STAGED_LEASE_TTL.toSeconds());
    const stack = new Stack(testApp(), 'TooLong');
    const exporter = new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('x') });
    expect(() => new ParallelExportStateMachine(stack, 'M', { job, exporter, timeout: Duration.minutes(110) })).toThrow(/must stay below the staged lease \(120 min\)/);
    const direct = catalogJobs()[0]!;
    expect(() => new ParallelExportStateMachine(stack, 'D', { job: direct, exporter })).toThrow(`job "${direct.name}" has no "parallel" settings`);
  });

  it('is a STANDARD machine with X-Ray tracing and ALL-level logs (with execution data) to its own log group', () => {
    const logGroups = ofType('AWS::Logs::LogGroup').map(([id]) => id);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } } }],
      },
    });
    const props = resources[machineId]!.Properties as { LoggingConfiguration: { Destinations: { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [string] } } }[] } };
    const target = props.LoggingConfiguration.Destinations[0]!.CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0];
    expect(logGroups).toContain(target);
    expect(resources[target]!.Properties.RetentionInDays).toBe(90);
  });
});

describe('Construct: ExportSchedules (parallel jobs)', () => {
  it('starts the state machine of a parallel job with {action: plan, job, scheduledTime}', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: job.schedule!.expression,
      ScheduleExpressionTimezone: 'Europe/Berlin',
      Target: Match.objectLike({
        Arn: { Ref: machineId },
        Input: JSON.stringify({ action: 'plan', job: PARALLEL_TEST_JOB, scheduledTime: '<aws.scheduler.scheduled-time>' }),
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [ofType('AWS::SQS::Queue')[0]![0], 'Arn'] } },
      }),
    });
  });

  it('keeps every other scheduled job on the direct Lambda target with {job, scheduledTime}', () => {
    const schedules = ofType('AWS::Scheduler::Schedule').map(([, r]) => r.Properties as { Target: { Arn: unknown; Input: string; RoleArn: unknown } });
    const direct = testJobs().filter((j) => j.schedule && !j.parallel);
    expect(direct.length).toBeGreaterThan(0);
    expect(schedules).toHaveLength(direct.length + 1);
    for (const j of direct) {
      const schedule = schedules.find((s) => JSON.parse(s.Target.Input).job === j.name)!;
      expect(schedule.Target.Arn).toEqual({ 'Fn::GetAtt': [functionId, 'Arn'] });
      expect(JSON.parse(schedule.Target.Input)).toEqual({ job: j.name, scheduledTime: '<aws.scheduler.scheduled-time>' });
    }
    // Two roles: the direct schedules share the invoke role, the parallel one has its own.
    expect(new Set(schedules.map((s) => JSON.stringify(s.Target.RoleArn))).size).toBe(2);
  });
});

describe('Construct: ExportAlarms (parallel jobs)', () => {
  it('alarms on failed, timed-out or stopped executions of each state machine, to the SNS topic', () => {
    const topic = ofType('AWS::SNS::Topic')[0]![0];
    const metric = (id: string, name: string) => ({
      Id: id,
      MetricStat: { Metric: { Namespace: 'AWS/States', MetricName: name, Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: machineId } }] }, Period: 300, Stat: 'Sum' },
      ReturnData: false,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)', ReturnData: true }),
        metric('failed', 'ExecutionsFailed'),
        metric('timedOut', 'ExecutionsTimedOut'),
        metric('aborted', 'ExecutionsAborted'),
      ]),
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topic }],
      OKActions: [{ Ref: topic }],
    });
  });
});
