import { Aws, CfnOutput, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { dashboardContentSecurityPolicy } from '@rds-s3-export/shared-types';
import { Construct } from 'constructs';
import type * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { acknowledge, nagFlatten } from '../nag.js';
import type { DashboardApi } from './dashboard-api.js';

/** The OAuth scopes the dashboard asks for; the access token carries them. */
export const DASHBOARD_OAUTH_SCOPES = ['openid', 'email', 'profile'] as const;

export interface DashboardHostingProps {
  /** The built app (`dashboardSiteFromBuild()`: the `vite build` output, index.html at its root). */
  readonly site: s3deploy.ISource;
  /** The API (`/api/*` on the same distribution) and the user pool and app client it trusts. */
  readonly dashboardApi: DashboardApi;
  /** Shown in the app's banner. */
  readonly stage: string;
  /**
   * Prefix of the Cognito domain `https://<prefix>.auth.<region>.amazoncognito.com` (managed login).
   * Unique per region across all AWS accounts.
   * @default `rds-s3-export-<stage>-<account id>`
   */
  readonly cognitoDomainPrefix?: string;
  /** A custom domain for the distribution, with its ACM certificate (in us-east-1). @default the *.cloudfront.net name */
  readonly customDomain?: { readonly domainName: string; readonly certificate: acm.ICertificate };
  /** @default 90 days */
  readonly accessLogRetention?: Duration;
}

/**
 * The dashboard in production: the built single-page app in a private S3 bucket (no public
 * access, TLS only) behind CloudFront with Origin Access Control, the dashboard API under the
 * same distribution (`/api/*`, never cached, the Authorization header forwarded), so the
 * browser needs no CORS; security headers (CSP matching what the app loads, HSTS,
 * frame-ancestors 'none', nosniff, no referrer); access logs of the distribution and the bucket.
 *
 * Sign-in is Cognito managed login with the authorization code flow and PKCE: the API's app
 * client (the one its JWT authorizer trusts) gets the code flow with the distribution's
 * callback and sign-out URLs, no secret; the user pool keeps required TOTP MFA. The stack
 * writes `config.json` next to index.html, so one build serves every stage.
 */
export class DashboardHosting extends Construct {
  readonly bucket: s3.Bucket;
  readonly logBucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly responseHeadersPolicy: cloudfront.ResponseHeadersPolicy;
  readonly domain: cognito.UserPoolDomain;
  readonly deployment: s3deploy.BucketDeployment;
  /** `https://<distribution or custom domain>` (no trailing slash). */
  readonly url: string;
  /** What the stack writes to config.json (see apps/dashboard/src/runtime-config.ts). */
  readonly runtimeConfig: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: DashboardHostingProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { userPool, userPoolClient, httpApi } = props.dashboardApi;

    this.logBucket = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront standard logs are delivered with an ACL (the awslogsdelivery account writes them).
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: props.accessLogRetention ?? Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new s3.Bucket(this, 'Site', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 'site-bucket/',
      // The build is redeployed by every stack update; the bucket holds nothing else.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.domain = userPool.addDomain('ManagedLogin', {
      cognitoDomain: { domainPrefix: props.cognitoDomainPrefix ?? Fn.join('-', ['rds-s3-export', props.stage.toLowerCase(), Aws.ACCOUNT_ID]) },
      managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    // Managed login (v2) shows a page only for an app client with a branding style; Cognito's defaults.
    new cognito.CfnManagedLoginBranding(this, 'ManagedLoginBranding', {
      userPoolId: userPool.userPoolId,
      clientId: userPoolClient.userPoolClientId,
      useCognitoProvidedValues: true,
    }).node.addDependency(this.domain);

    const cognitoIdp = `https://cognito-idp.${stack.region}.${stack.urlSuffix}`;
    const cognitoDomainOrigin = Fn.join('', ['https://', this.domain.domainName, `.auth.${stack.region}.amazoncognito.com`]);
    this.responseHeadersPolicy = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'rds-s3-export dashboard: CSP, HSTS, no framing, nosniff, no referrer',
      securityHeadersBehavior: {
        // What the app loads (the same policy the local server sends, under which the sign-in
        // e2e runs the app), with Cognito as the provider: discovery on cognito-idp, token and
        // sign-out on the domain.
        contentSecurityPolicy: {
          contentSecurityPolicy: dashboardContentSecurityPolicy([cognitoIdp, cognitoDomainOrigin]),
          override: true,
        },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });

    // Client routes are in the hash, but a path without a file extension still gets the app
    // (not S3's 403): a CloudFront Function on the site behaviour only, so that an API 404 stays a 404.
    const spaFallback = new cloudfront.Function(this, 'SpaFallback', {
      comment: 'rds-s3-export dashboard: paths without an extension serve index.html',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(
        [
          'function handler(event) {',
          '  var request = event.request;',
          "  var last = request.uri.split('/').pop();",
          "  if (last === '' || last.indexOf('.') === -1) request.uri = '/index.html';",
          '  return request;',
          '}',
        ].join('\n'),
      ),
    });

    const apiOrigin = new origins.HttpOrigin(`${httpApi.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`, {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
    });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `rds-s3-export dashboard (${props.stage})`,
      defaultRootObject: 'index.html',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      // Only with a certificate of our own: the default *.cloudfront.net one has a fixed policy.
      ...(props.customDomain && { minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 }),
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      ...(props.customDomain && { domainNames: [props.customDomain.domainName], certificate: props.customDomain.certificate }),
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.responseHeadersPolicy,
        functionAssociations: [{ function: spaFallback, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
        compress: true,
      },
      additionalBehaviors: {
        '/api/*': {
          origin: apiOrigin,
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          // With caching disabled, only an origin request policy can forward Authorization:
          // every viewer header except Host (API Gateway needs its own Host), query strings.
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: this.responseHeadersPolicy,
        },
      },
    });

    this.url = props.customDomain ? `https://${props.customDomain.domainName}` : `https://${this.distribution.distributionDomainName}`;
    const appUrl = `${this.url}/`;
    enableCodeFlow(userPoolClient, appUrl);

    this.runtimeConfig = {
      apiBase: '',
      stage: props.stage,
      auth: {
        // The issuer of the pool's tokens (its discovery document lives under it).
        authority: `${cognitoIdp}/${userPool.userPoolId}`,
        clientId: userPoolClient.userPoolClientId,
        redirectUri: appUrl,
        postLogoutRedirectUri: appUrl,
        signOutEndpoint: Fn.join('', [cognitoDomainOrigin, '/logout']),
        scope: DASHBOARD_OAUTH_SCOPES.join(' '),
      },
    };
    this.deployment = new s3deploy.BucketDeployment(this, 'Deploy', {
      sources: [props.site, s3deploy.Source.jsonData('config.json', this.runtimeConfig)],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ['/*'],
      prune: true,
      // index.html and config.json must never be stale; the hashed assets revalidate cheaply (304).
      cacheControl: [s3deploy.CacheControl.noCache()],
      memoryLimit: 256,
    });

    this.acknowledgeFindings(props);
    new CfnOutput(this, 'Url', { value: appUrl, description: 'The dashboard (sign in with a user of the pool; see apps/infra/README.md)' });
    new CfnOutput(this, 'SignInDomain', { value: cognitoDomainOrigin });
  }

  private acknowledgeFindings(props: DashboardHostingProps): void {
    acknowledge(
      this.logBucket,
      'AwsSolutions-S1',
      'This is the access log bucket of the dashboard distribution and its site bucket; logging the log bucket into itself would loop, and it holds nothing but CloudFront and S3 access logs.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR1',
      'No geo restriction: the operators of the export pipeline may sign in from anywhere; every API call needs a Cognito user of a pool without self sign-up, with TOTP MFA required.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR2',
      'No AWS WAF web ACL: the site is static files and the API requires a Cognito JWT on every route, with API Gateway throttling per stage; a WAF ACL costs a monthly fee per stage. Attach one through the distribution if your policy requires it.',
    );
    if (!props.customDomain) {
      acknowledge(
        this.distribution,
        'AwsSolutions-CFR4',
        'Without a custom domain the distribution uses the default *.cloudfront.net certificate, for which CloudFront does not apply a minimum viewer TLS version; give DashboardHostingProps.customDomain (ACM certificate) to enforce TLSv1.2_2021.',
      );
    }
    // The BucketDeployment's handler is a singleton Lambda of the stack, created by aws-cdk-lib.
    for (const handler of Stack.of(this).node.children.filter((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'))) {
      acknowledge(
        handler,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        "aws-cdk-lib's BucketDeployment handler (a CloudFormation custom resource that copies the built dashboard into the site bucket) writes its own logs with the AWS managed basic execution policy; it runs only during deployments.",
      );
      const assets = this.deployment.node.children.filter((child): child is s3assets.Asset => child.node.id.startsWith('Asset') && 'bucket' in child);
      const wildcards = [
        ...['s3:GetBucket*', 's3:GetObject*', 's3:List*', 's3:Abort*', 's3:DeleteObject*'].map((action) => `Action::${action}`),
        ...new Set(assets.map((asset) => `Resource::${nagFlatten(this, asset.bucket.arnForObjects('*'))}`)),
        `Resource::${nagFlatten(this, this.bucket.arnForObjects('*'))}`,
        'Resource::*',
      ];
      for (const wildcard of wildcards) {
        acknowledge(
          handler,
          `AwsSolutions-IAM5[${wildcard}]`,
          "aws-cdk-lib's BucketDeployment handler gets its S3 actions from grant helpers (read on the CDK asset bucket's objects, read/write/delete on the dashboard site bucket's objects) and cloudfront:CreateInvalidation/GetInvalidation, which IAM cannot scope to one distribution here; it runs only during deployments.",
        );
      }
      acknowledge(
        handler,
        'AwsSolutions-L1',
        "The BucketDeployment handler's runtime is chosen by aws-cdk-lib (not configurable); it runs only during deployments, never on a request path.",
      );
    }
  }
}


/**
 * Turns on the OAuth 2.0 authorization code flow on the API's app client (the one its JWT
 * authorizer trusts), with the distribution's URL as callback and sign-out URL. The client is
 * created by DashboardApi before the distribution exists (the distribution needs the API's
 * endpoint), so the OAuth settings are set here on the synthesized client. It stays a public
 * client (DashboardApi sets generateSecret: false): the app (oidc-client-ts) always sends a PKCE
 * S256 challenge, which Cognito checks when the code is redeemed, so an intercepted code is
 * useless without the verifier that never leaves the browser tab.
 */
function enableCodeFlow(client: cognito.UserPoolClient, appUrl: string): void {
  const cfn = client.node.defaultChild as cognito.CfnUserPoolClient;
  cfn.allowedOAuthFlowsUserPoolClient = true;
  cfn.allowedOAuthFlows = ['code'];
  cfn.allowedOAuthScopes = [...DASHBOARD_OAUTH_SCOPES];
  cfn.callbackUrLs = [appUrl];
  cfn.logoutUrLs = [appUrl];
  cfn.supportedIdentityProviders = ['COGNITO'];
}
