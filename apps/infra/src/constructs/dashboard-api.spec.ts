import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { PipelineStack } from '../stacks/pipeline-stack.js';
import { catalogJobs, TEST_ENV, testApp, testDashboardApiCode, testExporterCode, testPipelineWithDashboard, testSettings } from '../testing/test-settings.js';
import { DASHBOARD_API_ROUTES } from './dashboard-api.js';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

let template: Template;
let resources: Resources;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const only = (type: string) => {
  const found = ofType(type);
  expect(found, `exactly one ${type}`).toHaveLength(1);
  return found[0]!;
};
const dashboardFunction = () => {
  const found = ofType('AWS::Lambda::Function').filter(([, r]) => JSON.stringify(r.Properties).includes('EXPORTER_LOG_GROUP'));
  expect(found).toHaveLength(1);
  return found[0]!;
};

beforeAll(() => {
  // Prepare: the pipeline with the dashboard API wired to its bucket and exporter log group.
  template = Template.fromStack(testPipelineWithDashboard().stack);
  resources = template.toJSON().Resources as Resources;
});

describe('Construct: DashboardApi', () => {
  it('runs the exporter runtime on arm64 with the env vars apps/dashboard-api reads (api-env.ts)', () => {
    const [, fn] = dashboardFunction();
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Handler: 'index.handler' });
    const bucket = ofType('AWS::S3::Bucket').find(([, r]) => r.Properties.VersioningConfiguration !== undefined)![0];
    const exporter = ofType('AWS::Lambda::Function').find(([id]) => id !== dashboardFunction()[0])![1];
    const exporterLog = (exporter.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      EXPORT_BUCKET: { Ref: bucket },
      EXPORTER_LOG_GROUP: { Ref: exporterLog },
    });
    // Its own log group, not the exporter's, and outside the VPC (it talks to S3 and Logs only).
    expect((fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref).not.toBe(exporterLog);
    expect(fn.Properties.VpcConfig).toBeUndefined();
  });

  it('reserves (and caps) the API function\'s concurrency so it cannot starve the exporter; the prop overrides it', () => {
    const [, fn] = dashboardFunction();
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(5);
    const custom = Template.fromStack(testPipelineWithDashboard({}, { reservedConcurrentExecutions: 2 }).stack).toJSON().Resources as Resources;
    const customFn = Object.values(custom).find((r) => r.Type === 'AWS::Lambda::Function' && JSON.stringify(r.Properties).includes('EXPORTER_LOG_GROUP'))!;
    expect(customFn.Properties.ReservedConcurrentExecutions).toBe(2);
    expect(() => testPipelineWithDashboard({}, { reservedConcurrentExecutions: 0 })).toThrow(/reservedConcurrentExecutions must be an integer ≥ 1/);
  });

  it('requires the Cognito JWT authorizer on every route and has no anonymous or catch-all route', () => {
    const [authorizerId, authorizer] = only('AWS::ApiGatewayV2::Authorizer');
    const [poolId] = only('AWS::Cognito::UserPool');
    const [clientId] = only('AWS::Cognito::UserPoolClient');
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Audience: [{ Ref: clientId }], Issuer: expect.anything() },
    });
    expect(JSON.stringify(authorizer.Properties.JwtConfiguration)).toContain(poolId);
    const routes = ofType('AWS::ApiGatewayV2::Route');
    expect(routes.map(([, r]) => r.Properties.RouteKey).sort()).toEqual(DASHBOARD_API_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    for (const [id, route] of routes) {
      expect(route.Properties, id).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } });
    }
    expect(routes.map(([, r]) => r.Properties.RouteKey)).not.toContain('$default');
    expect(routes.some(([, r]) => String(r.Properties.RouteKey).includes('{proxy+}'))).toBe(false);
  });

  it('logs every request of the stage as JSON and throttles it', () => {
    const [, stage] = only('AWS::ApiGatewayV2::Stage');
    expect(stage.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
      AccessLogSettings: { DestinationArn: expect.anything(), Format: expect.any(String) },
    });
    const format = JSON.parse((stage.Properties.AccessLogSettings as { Format: string }).Format) as Record<string, string>;
    expect(format).toMatchObject({ requestId: '$context.requestId', routeKey: '$context.routeKey', status: '$context.status' });
  });

  it('has a user pool without self sign-up, with a strong password policy and required TOTP MFA', () => {
    const [, pool] = only('AWS::Cognito::UserPool');
    expect(pool.Properties).toMatchObject({
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: {
        PasswordPolicy: { MinimumLength: 14, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true },
      },
      DeletionProtection: 'ACTIVE',
    });
    template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain' });
    const [, client] = only('AWS::Cognito::UserPoolClient');
    expect(client.Properties).toMatchObject({
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      PreventUserExistenceErrors: 'ENABLED',
    });
  });

  it('grants only reads: GetObject under the prefixes, ListBucket, the exporter log group for logs', () => {
    const policies = ofType('AWS::IAM::Policy').filter(([id]) => id.startsWith('DashboardApiReadOnly'));
    expect(policies).toHaveLength(1);
    const [, policy] = policies[0]!;
    const actions = ((policy.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement)
      .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
      .sort();
    expect(actions).toEqual(['logs:FilterLogEvents', 's3:GetObject', 's3:ListBucket']);
  });

  it('turns on threat protection (PLUS plan) only when asked', () => {
    const [, pool] = only('AWS::Cognito::UserPool');
    expect(pool.Properties.UserPoolTier).toBe('ESSENTIALS');
    expect(pool.Properties.UserPoolAddOns).toBeUndefined();
    const plus = Template.fromStack(testPipelineWithDashboard({}, { threatProtection: true, throttlingRateLimit: 5, throttlingBurstLimit: 7 }).stack);
    plus.hasResourceProperties('AWS::Cognito::UserPool', { UserPoolTier: 'PLUS', UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' } });
    plus.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 7 } });
  });
});

describe('PipelineStack: dashboard API behind a prop', () => {
  const stack = (withDashboard: boolean) =>
    Template.fromStack(
      new PipelineStack(testApp(), 'Pipeline', {
        env: TEST_ENV,
        settings: testSettings(),
        jobs: catalogJobs(),
        exporterCode: testExporterCode(),
        ...(withDashboard && { dashboardApiCode: testDashboardApiCode() }),
      }),
    );

  it('adds no API, user pool or second function without dashboardApiCode', () => {
    const t = stack(false);
    t.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
    t.resourceCountIs('AWS::Cognito::UserPool', 0);
    // The exporter and the deploy-time prefix list lookup of the network.
    t.resourceCountIs('AWS::Lambda::Function', 2);
  });

  it('adds the dashboard API with dashboardApiCode', () => {
    const t = stack(true);
    t.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    t.resourceCountIs('AWS::Cognito::UserPool', 1);
    t.resourceCountIs('AWS::Lambda::Function', 3);
  });
});
