import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Stack, Validations, type App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { dashboardContentSecurityPolicy } from '@rds-s3-export/shared-types';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { dashboardSiteFromBuild } from '../dashboard-site.js';
import { PipelineStack } from '../stacks/pipeline-stack.js';
import { catalogJobs, TEST_ENV, testApp, testDashboardApiCode, testExporterCode, testSettings } from '../testing/test-settings.js';
import { DASHBOARD_API_ROUTES } from './dashboard-api.js';

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: unknown };
type Resources = Record<string, Resource>;

/** Stand-in for `vite build`'s output, so tests need no `dist/`. */
function testSite(): s3deploy.ISource {
  const dir = mkdtempSync(path.join(tmpdir(), 'dashboard-site-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>dashboard</title>');
  writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(path.join(dir, 'assets', 'index-abc123.js.map'), '{}');
  // The build's local-mode config.json, which the stack's own must replace.
  writeFileSync(path.join(dir, 'config.json'), '{ "apiBase": "" }');
  return dashboardSiteFromBuild(dir);
}

function hostedStack(hosting: ConstructorParameters<typeof PipelineStack>[2]['dashboardHosting'] = {}) {
  const app = testApp();
  const stack = new PipelineStack(app, 'RdsS3Export-test', {
    env: TEST_ENV,
    settings: testSettings(),
    jobs: catalogJobs(),
    exporterCode: testExporterCode(),
    dashboardApiCode: testDashboardApiCode(),
    dashboardSite: testSite(),
    dashboardHosting: hosting,
  });
  return { app, stack, template: Template.fromStack(stack) };
}

let template: Template;
let resources: Resources;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const only = (type: string): [string, Resource] => {
  const found = ofType(type);
  expect(found, `exactly one ${type}`).toHaveLength(1);
  return found[0]!;
};
const resolved = (value: unknown) => JSON.stringify(value);

interface Origin {
  readonly Id: string;
  readonly DomainName: unknown;
  readonly S3OriginConfig?: unknown;
  readonly OriginAccessControlId?: unknown;
  readonly CustomOriginConfig?: unknown;
}
interface Behavior {
  readonly PathPattern?: string;
  readonly TargetOriginId: string;
  readonly ViewerProtocolPolicy: string;
  readonly AllowedMethods: string[];
  readonly ResponseHeadersPolicyId: unknown;
  readonly FunctionAssociations?: unknown;
}
interface DistributionConfig {
  readonly Origins: Origin[];
  readonly DefaultCacheBehavior: Behavior;
  readonly CacheBehaviors: Behavior[];
  readonly CustomErrorResponses?: unknown;
  readonly Aliases?: string[];
  readonly ViewerCertificate?: unknown;
}
type Statement = Record<string, unknown>;
/** The distribution's config, typed for the fields these tests read. */
const distributionConfig = (resource: Resource) => resource.Properties.DistributionConfig as DistributionConfig;

beforeAll(() => {
  ({ template } = hostedStack());
  resources = template.toJSON().Resources as Resources;
});

describe('Construct: DashboardHosting', () => {
  it('keeps the site bucket private: public access blocked, TLS only, owner-enforced, access-logged', () => {
    const [distributionId, distribution] = only('AWS::CloudFront::Distribution');
    const config = distributionConfig(distribution);
    const siteOrigin = config.Origins.find((o) => resolved(o.DomainName).includes('RegionalDomainName'))!;
    const siteBucketId = (siteOrigin.DomainName as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const site = resources[siteBucketId]!;
    expect(site.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: { LogFilePrefix: 'site-bucket/' },
    });
    expect(site.Properties.WebsiteConfiguration).toBeUndefined();
    const policy = ofType('AWS::S3::BucketPolicy').find(([, p]) => resolved(p.Properties.Bucket) === resolved({ Ref: siteBucketId }))![1];
    const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    // Only CloudFront, only this distribution, only reads.
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]).toMatchObject({ Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' });
    expect(resolved(allows[0]!.Condition)).toContain(distributionId);
  });

  it('serves through CloudFront with Origin Access Control, index.html as root, HTTPS only, logged', () => {
    const [, oac] = only('AWS::CloudFront::OriginAccessControl');
    expect(oac.Properties.OriginAccessControlConfig).toMatchObject({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' });
    const [, distribution] = only('AWS::CloudFront::Distribution');
    const config = distributionConfig(distribution);
    expect(config).toMatchObject({ DefaultRootObject: 'index.html', Enabled: true, HttpVersion: 'http2and3', Logging: { Prefix: 'cloudfront/' } });
    const siteOrigin = config.Origins.find((o) => o.S3OriginConfig)!;
    expect(siteOrigin.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [only('AWS::CloudFront::OriginAccessControl')[0], 'Id'] });
    expect(siteOrigin.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(config.DefaultCacheBehavior.AllowedMethods).toEqual(['GET', 'HEAD']);
    // No distribution-wide error responses: an API 404 must stay a 404 (the SPA fallback is a function).
    expect(config.CustomErrorResponses).toBeUndefined();
    expect(config.DefaultCacheBehavior.FunctionAssociations).toEqual([{ EventType: 'viewer-request', FunctionARN: expect.anything() }]);
  });

  it('routes /api/* to the HTTP API: HTTPS, never cached, Authorization forwarded (AllViewerExceptHostHeader)', () => {
    const [, distribution] = only('AWS::CloudFront::Distribution');
    const config = distributionConfig(distribution);
    expect(config.CacheBehaviors).toHaveLength(1);
    const api = config.CacheBehaviors[0]!;
    expect(api).toMatchObject({
      PathPattern: '/api/*',
      ViewerProtocolPolicy: 'https-only',
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
      // Managed policies: CachingDisabled, AllViewerExceptHostHeader.
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
    });
    const origin = config.Origins.find((o) => o.Id === api.TargetOriginId)!;
    expect(origin.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
    const [apiId] = only('AWS::ApiGatewayV2::Api');
    expect(resolved(origin.DomainName)).toContain(`{"Ref":"${apiId}"}`);
    expect(resolved(origin.DomainName)).toContain('.execute-api.eu-west-1.');
    // Every path the API serves is under /api/.
    for (const route of DASHBOARD_API_ROUTES) expect(route.path.startsWith('/api/')).toBe(true);
  });

  it('rewrites extension-less paths to index.html (client routes), and only those', () => {
    const [, fn] = only('AWS::CloudFront::Function');
    const code = fn.Properties.FunctionCode as string;
    const handler = new Function(`${code}; return handler;`)() as (event: { request: { uri: string } }) => { uri: string };
    expect(handler({ request: { uri: '/' } }).uri).toBe('/index.html');
    expect(handler({ request: { uri: '/jobs/employees' } }).uri).toBe('/index.html');
    expect(handler({ request: { uri: '/assets/index-abc123.js' } }).uri).toBe('/assets/index-abc123.js');
    expect(handler({ request: { uri: '/config.json' } }).uri).toBe('/config.json');
  });

  it('sends the security headers: CSP for what the app loads (incl. Cognito), HSTS, no framing, nosniff, no referrer', () => {
    const [policyId, policy] = only('AWS::CloudFront::ResponseHeadersPolicy');
    const headers = (policy.Properties.ResponseHeadersPolicyConfig as { SecurityHeadersConfig: { ContentSecurityPolicy: { ContentSecurityPolicy: unknown } } & Record<string, unknown> }).SecurityHeadersConfig;
    expect(headers).toMatchObject({
      StrictTransportSecurity: { AccessControlMaxAgeSec: 63_072_000, IncludeSubdomains: true, Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ContentTypeOptions: { Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
    });
    const csp = resolved(headers.ContentSecurityPolicy.ContentSecurityPolicy);
    for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"]) expect(csp).toContain(directive);
    // Discovery on cognito-idp, token and sign-out on the user pool domain.
    expect(csp).toContain(`connect-src 'self' https://cognito-idp.eu-west-1.",{"Ref":"AWS::URLSuffix"}," https://",{"Ref":"DashboardApiUserPoolManagedLogin`);
    expect(csp).toContain('.auth.eu-west-1.amazoncognito.com');
    expect(csp).not.toContain('unsafe-inline');
    // Exactly the policy the local server sends (under which the sign-in e2e runs the app), with Cognito as provider.
    const join = headers.ContentSecurityPolicy.ContentSecurityPolicy as { 'Fn::Join': [string, (string | { Ref: string })[]] };
    const flat = join['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : `<${part.Ref}>`)).join('');
    const [domainId] = only('AWS::Cognito::UserPoolDomain');
    expect(flat).toBe(dashboardContentSecurityPolicy(['https://cognito-idp.eu-west-1.<AWS::URLSuffix>', `https://<${domainId}>.auth.eu-west-1.amazoncognito.com`]));
    const config = distributionConfig(only('AWS::CloudFront::Distribution')[1]);
    expect(config.DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
    expect(config.CacheBehaviors[0]!.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
  });

  it('deploys the build plus a config.json that points the app at Cognito and the API on the same origin', () => {
    const [, deployment] = only('Custom::CDKBucketDeployment');
    expect(deployment.Properties).toMatchObject({ Prune: true, DistributionPaths: ['/*'], SystemMetadata: { 'cache-control': 'no-cache' } });
    expect(deployment.Properties.SourceObjectKeys).toHaveLength(2);
    // config.json is a deploy-time JSON source: the tokens (pool id, client id, domain) are markers.
    const markers = deployment.Properties.SourceMarkers as Record<string, unknown>[];
    const [clientId] = only('AWS::Cognito::UserPoolClient');
    const [poolId] = only('AWS::Cognito::UserPool');
    expect(resolved(markers[1])).toContain(`{"Ref":"${clientId}"}`);
    expect(resolved(markers[1])).toContain(`{"Ref":"${poolId}"}`);
  });

  it('gives the runtime config the Cognito issuer, the client, the distribution URL and the sign-out endpoint', () => {
    const { stack } = hostedStack();
    const config = stack.resolve(stack.dashboardHosting!.runtimeConfig) as { apiBase: string; stage: string; auth: Record<string, unknown> };
    expect(config.apiBase).toBe('');
    expect(config.stage).toBe('test');
    const auth = resolved(config.auth);
    expect(config.auth.authority).toEqual({ 'Fn::Join': ['', ['https://cognito-idp.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/', { Ref: only('AWS::Cognito::UserPool')[0] }]] });
    expect(resolved(config.auth.redirectUri)).toMatch(/"https:\/\/",\{"Fn::GetAtt":\["DashboardHosting\w+","DomainName"\]\},"\/"/);
    expect(resolved(config.auth.signOutEndpoint)).toContain('.auth.eu-west-1.amazoncognito.com');
    expect(resolved(config.auth.signOutEndpoint)).toContain('/logout');
    expect(auth).toContain('"scope":"openid email profile"');
  });

  it('configures the app client for the code flow with the distribution as callback and sign-out URL, no secret', () => {
    const [, client] = only('AWS::Cognito::UserPoolClient');
    expect(client.Properties).toMatchObject({
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      SupportedIdentityProviders: ['COGNITO'],
      GenerateSecret: false,
    });
    const [distributionId] = only('AWS::CloudFront::Distribution');
    const url = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/']] };
    expect(client.Properties.CallbackURLs).toEqual([url]);
    expect(client.Properties.LogoutURLs).toEqual([url]);
    // The same client the API's JWT authorizer trusts.
    const [, authorizer] = only('AWS::ApiGatewayV2::Authorizer');
    expect(resolved(authorizer.Properties.JwtConfiguration)).toContain(`{"Ref":"${only('AWS::Cognito::UserPoolClient')[0]}"}`);
  });

  it('adds a managed login domain and branding; MFA stays required', () => {
    const [, domain] = only('AWS::Cognito::UserPoolDomain');
    expect(domain.Properties.ManagedLoginVersion).toBe(2);
    expect(domain.Properties.Domain).toEqual({ 'Fn::Join': ['-', ['rds-s3-export-test', { Ref: 'AWS::AccountId' }]] });
    only('AWS::Cognito::ManagedLoginBranding');
    const [, pool] = only('AWS::Cognito::UserPool');
    expect(pool.Properties).toMatchObject({ MfaConfiguration: 'ON', EnabledMfas: ['SOFTWARE_TOKEN_MFA'], AdminCreateUserConfig: { AllowAdminCreateUserOnly: true } });
  });

  it('takes a custom domain with its certificate and TLS 1.2 minimum', () => {
    const custom = hostedStack({
      customDomain: { domainName: 'exports.example.com', certificate: acm.Certificate.fromCertificateArn(testApp(), 'Cert', 'arn:aws:acm:us-east-1:111122223333:certificate/0000-1111') },
    });
    const config = distributionConfig(Object.values(custom.template.toJSON().Resources as Resources).find((r) => r.Type === 'AWS::CloudFront::Distribution')!);
    expect(config.Aliases).toEqual(['exports.example.com']);
    expect(config.ViewerCertificate).toMatchObject({ AcmCertificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/0000-1111', MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' });
    const client = Object.values(custom.template.toJSON().Resources as Resources).find((r) => r.Type === 'AWS::Cognito::UserPoolClient')!;
    expect(client.Properties.CallbackURLs).toEqual(['https://exports.example.com/']);
  });

  it("deploys the build without its local-mode config.json and source maps (the stack's config.json wins)", () => {
    const { app } = hostedStack();
    const out = app.synth().directory;
    const siteAsset = readdirSync(out).find((name) => name.startsWith('asset.') && existsSync(path.join(out, name, 'index.html')))!;
    expect(readdirSync(path.join(out, siteAsset)).sort()).toEqual(['assets', 'index.html']);
    expect(readdirSync(path.join(out, siteAsset, 'assets'))).toEqual(['index-abc123.js']);
  });

  it('is not added without the built site (the API alone stays as it was)', () => {
    const stack = new PipelineStack(testApp(), 'RdsS3Export-test', { env: TEST_ENV, settings: testSettings(), jobs: catalogJobs(), exporterCode: testExporterCode(), dashboardApiCode: testDashboardApiCode() });
    expect(stack.dashboardHosting).toBeUndefined();
    const plain = Template.fromStack(stack);
    plain.resourceCountIs('AWS::CloudFront::Distribution', 0);
    plain.resourceCountIs('AWS::Cognito::UserPoolDomain', 0);
    plain.hasResourceProperties('AWS::Cognito::UserPoolClient', { AllowedOAuthFlowsUserPoolClient: false });
  });

  it('refuses a missing dashboard build with what to run', () => {
    expect(() => dashboardSiteFromBuild(mkdtempSync(path.join(tmpdir(), 'no-build-')))).toThrow('run "npx nx run dashboard:build"');
  });
});

describe('cdk-nag: the hosted dashboard', () => {
  let app: App;
  beforeAll(() => {
    ({ app } = createApp({ app: testApp(), settings: testSettings(), jobs: catalogJobs(), exporterCode: testExporterCode(), dashboardApiCode: testDashboardApiCode(), dashboardSite: testSite() }));
  });

  it('synthesizes with no unacknowledged finding, warning or error', () => {
    const report = JSON.parse(readFileSync(path.join(app.synth().directory, 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] };
    expect(report.pluginReports).toEqual([]);
    for (const stack of app.node.children.filter((c): c is Stack => c instanceof Stack)) {
      const annotations = Annotations.fromStack(stack);
      expect(annotations.findError('*', Match.anyValue()), `${stack.stackName} errors`).toEqual([]);
      expect(annotations.findWarning('*', Match.anyValue()), `${stack.stackName} warnings`).toEqual([]);
    }
  });

  it('acknowledges exactly these findings of the hosting, each with a reason', () => {
    const acks = app.node
      .findAll()
      .flatMap((c) =>
        c.node.metadata
          .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: c.node.path, id: id.replace(/^[A-Za-z]+::/, ''), reason }))),
      )
      .filter((a) => a.path.includes('/DashboardHosting/') || a.path.includes('Custom::CDKBucketDeployment'));
    for (const a of acks) expect(a.reason.length, `${a.id} at ${a.path}`).toBeGreaterThan(80);
    expect(acks.map((a) => `${a.path.replace(/^RdsS3Export-test\//, '').replace(/[0-9A-F]{32}\d+MiB/, '<uuid>')} ${a.id.replace(/<DashboardHostingSite[0-9A-F]+\.Arn>/, '<Site.Arn>')}`).sort()).toEqual(
      [
        'DashboardHosting/AccessLogs AwsSolutions-S1',
        'DashboardHosting/Distribution AwsSolutions-CFR1',
        'DashboardHosting/Distribution AwsSolutions-CFR2',
        'DashboardHosting/Distribution AwsSolutions-CFR4',
        ...['s3:Abort*', 's3:DeleteObject*', 's3:GetBucket*', 's3:GetObject*', 's3:List*'].map((action) => `Custom::CDKBucketDeployment<uuid> AwsSolutions-IAM5[Action::${action}]`),
        'Custom::CDKBucketDeployment<uuid> AwsSolutions-IAM5[Resource::*]',
        'Custom::CDKBucketDeployment<uuid> AwsSolutions-IAM5[Resource::<Site.Arn>/*]',
        'Custom::CDKBucketDeployment<uuid> AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-eu-west-1/*]',
        'Custom::CDKBucketDeployment<uuid> AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'Custom::CDKBucketDeployment<uuid> AwsSolutions-L1',
      ].sort(),
    );
  });
});
