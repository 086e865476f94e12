import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge, nagFlatten } from '../nag.js';
import type { ExportBucket } from './export-bucket.js';
import { EXPORTER_RUNTIME } from './export-function.js';

/**
 * The routes of apps/dashboard-api (`src/api/handler.ts`), each registered on its own so that
 * there is no catch-all and no `$default` route: a path the API does not serve is answered by
 * API Gateway (404) without invoking the function, and every route carries the authorizer.
 */
export const DASHBOARD_API_ROUTES: readonly { readonly method: apigwv2.HttpMethod; readonly path: string }[] = [
  { method: apigwv2.HttpMethod.GET, path: '/api/jobs' },
  { method: apigwv2.HttpMethod.GET, path: '/api/jobs/{job}/runs' },
  { method: apigwv2.HttpMethod.GET, path: '/api/runs/{runId}' },
  { method: apigwv2.HttpMethod.POST, path: '/api/runs/{runId}/download' },
];

export interface DashboardApiProps {
  /** The bundled handler (`index.mjs` exporting `handler`): `Code.fromAsset('dist/apps/dashboard-api/lambda')` in the app. */
  readonly code: lambda.Code;
  /** The export bucket: the API reads manifests and presigns downloads of data objects under its prefixes. */
  readonly exportBucket: ExportBucket;
  /** The exporter function's log group (run logs and failed-run summaries). */
  readonly exporterLogGroup: logs.ILogGroup;
  /** @default logs.RetentionDays.THREE_MONTHS (function and access logs) */
  readonly logRetention?: logs.RetentionDays;
  /** Steady-state requests per second of the stage (all routes, all users). @default 10 */
  readonly throttlingRateLimit?: number;
  /** Burst of the stage. @default 20 */
  readonly throttlingBurstLimit?: number;
  /**
   * Concurrent executions reserved for (and the ceiling of) the API function. The ceiling is the
   * point: however many requests arrive, the API can hold at most this many of the account's
   * concurrent executions, so it cannot take the ones the exporter's scheduled runs need. Requests
   * beyond it are throttled (API Gateway answers 503); reserving it takes this many out of the
   * account's unreserved pool (AWS keeps 100 unreserved, so an account still at the new-account
   * quota of 10 must raise it first).
   * @default DEFAULT_DASHBOARD_API_CONCURRENCY (5)
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Origins the browser may call the API from (CORS). API Gateway answers the preflight itself,
   * so no route is anonymous.
   * @default no CORS (the dashboard is served from the API's origin or a proxy in front of it)
   */
  readonly corsAllowOrigins?: readonly string[];
  /**
   * Cognito threat protection (PLUS feature plan, full function: compromised-credential checks,
   * adaptive authentication). Billed per monthly active user on top of the ESSENTIALS plan.
   * @default false (ESSENTIALS plan; acknowledged for cdk-nag AwsSolutions-COG8, see README)
   */
  readonly threatProtection?: boolean;
}

/** A handful of operators browsing at once; each request takes well under a second. */
export const DEFAULT_DASHBOARD_API_CONCURRENCY = 5;

/**
 * The dashboard API: a Node.js (arm64) Lambda behind an API Gateway HTTP API whose every route
 * requires a Cognito user pool JWT (no anonymous route). Users are created by an administrator
 * (no self sign-up) and sign in with a strong password and a TOTP second factor.
 *
 * The function may only read: `s3:GetObject` under the manifest and data prefixes (reading
 * manifests, and the presigned download URLs it hands out are signed with its own
 * credentials), `s3:ListBucket` on the bucket, and `logs:FilterLogEvents` on the exporter's
 * log group. It runs outside the VPC (it reaches only S3 and CloudWatch Logs).
 */
export class DashboardApi extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  /** The read-only policy of the role (S3, exporter logs). */
  readonly readOnlyPolicy: iam.Policy;
  readonly logGroup: logs.LogGroup;
  readonly accessLogGroup: logs.LogGroup;
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  readonly httpApi: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly authorizer: HttpUserPoolAuthorizer;

  constructor(scope: Construct, id: string, props: DashboardApiProps) {
    super(scope, id);
    const retention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    const bucket = props.exportBucket;
    const concurrency = props.reservedConcurrentExecutions ?? DEFAULT_DASHBOARD_API_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new Error(`DashboardApi: reservedConcurrentExecutions must be an integer ≥ 1 (0 would disable the API); got ${concurrency}`);
    }

    this.logGroup = new logs.LogGroup(this, 'LogGroup', { retention, removalPolicy: RemovalPolicy.RETAIN });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'rds-s3-export dashboard API Lambda (read-only)',
      inlinePolicies: {
        logs: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn] }),
          ],
        }),
      },
    });
    this.readOnlyPolicy = this.grantReadOnly(bucket, props.exporterLogGroup);

    this.function = new lambda.Function(this, 'Function', {
      description: 'rds-s3-export: dashboard API (read-only: manifests, presigned downloads, exporter run logs)',
      runtime: EXPORTER_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: props.code,
      memorySize: 512,
      // API Gateway HTTP APIs give up after 30 s; a page of logs or manifests takes far less.
      timeout: Duration.seconds(29),
      reservedConcurrentExecutions: concurrency,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        EXPORT_BUCKET: bucket.bucket.bucketName,
        EXPORTER_LOG_GROUP: props.exporterLogGroup.logGroupName,
      },
    });

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // TOTP only: SMS would need an SNS role and is the weaker factor.
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      featurePlan: props.threatProtection ? cognito.FeaturePlan.PLUS : cognito.FeaturePlan.ESSENTIALS,
      ...(props.threatProtection && { standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION }),
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.userPoolClient = this.userPool.addClient('DashboardClient', {
      // A browser app: no client secret, SRP sign-in only (the password never leaves the browser).
      generateSecret: false,
      authFlows: { userSrp: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });

    this.authorizer = new HttpUserPoolAuthorizer('CognitoAuthorizer', this.userPool, { userPoolClients: [this.userPoolClient] });
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'rds-s3-export dashboard API (Cognito JWT on every route)',
      createDefaultStage: false,
      defaultAuthorizer: this.authorizer,
      ...(props.corsAllowOrigins &&
        props.corsAllowOrigins.length > 0 && {
          corsPreflight: {
            allowOrigins: [...props.corsAllowOrigins],
            allowMethods: [apigwv2.CorsHttpMethod.GET, apigwv2.CorsHttpMethod.POST],
            allowHeaders: ['authorization', 'content-type'],
            maxAge: Duration.hours(1),
          },
        }),
    });
    const integration = new HttpLambdaIntegration('Integration', this.function, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    for (const route of DASHBOARD_API_ROUTES) {
      // Explicit, although defaultAuthorizer would apply it too: a route never falls back to NONE.
      this.httpApi.addRoutes({ path: route.path, methods: [route.method], integration, authorizer: this.authorizer });
    }

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', { retention, removalPolicy: RemovalPolicy.RETAIN });
    this.stage = new apigwv2.HttpStage(this, 'Stage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttlingRateLimit ?? 10, burstLimit: props.throttlingBurstLimit ?? 20 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        format: apigateway.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            user: '$context.authorizer.claims.sub',
            authorizerError: '$context.authorizer.error',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    this.acknowledgeFindings(bucket, props.threatProtection ?? false);

    new CfnOutput(this, 'Url', { value: this.stage.url });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.userPoolClient.userPoolClientId });
  }

  /** Read-only grants on the export bucket and the exporter's log group; nothing can be written. */
  private grantReadOnly(bucket: ExportBucket, exporterLogGroup: logs.ILogGroup): iam.Policy {
    const prefixes = [...bucket.manifestPrefixes, ...bucket.dataPrefixes];
    const statements = [
      // Manifests (run detail, history) and data objects (presigned downloads are signed with
      // this role's credentials, so it needs GetObject on exactly what it signs).
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: prefixes.map((p) => bucket.bucket.arnForObjects(`${p}/*`)) }),
      // Listing manifests per job and month. Not conditioned on s3:prefix: S3 answers a GetObject
      // of an absent key with 404 only if the caller may ListBucket, and that check carries no
      // s3:prefix, so a prefix condition would turn "run not committed yet" (manifest absent)
      // into 403 AccessDenied for every failed or running run. ListBucket reveals key names only.
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucket.bucketArn] }),
      // Run logs and failed-run summaries of the exporter (libs/aws CloudWatchRunLogs calls
      // FilterLogEvents only; no Logs Insights queries, so no StartQuery / GetQueryResults).
      new iam.PolicyStatement({ actions: ['logs:FilterLogEvents'], resources: [exporterLogGroup.logGroupArn] }),
    ];
    const policy = new iam.Policy(this, 'ReadOnly', { statements });
    this.role.attachInlinePolicy(policy);
    bucket.encryptionKey?.grant(this.role, 'kms:Decrypt');
    return policy;
  }

  private acknowledgeFindings(bucket: ExportBucket, threatProtection: boolean): void {
    const bucketArn = nagFlatten(this, bucket.bucket.bucketArn);
    for (const prefix of [...bucket.manifestPrefixes, ...bucket.dataPrefixes]) {
      acknowledge(
        this.readOnlyPolicy,
        `AwsSolutions-IAM5[Resource::${bucketArn}/${prefix}/*]`,
        `Read-only s3:GetObject under the prefix "${prefix}/" of the export bucket: manifest and data keys are generated per run, and the API reads manifests and presigns downloads of the files a manifest lists. No write or delete action is granted.`,
      );
    }
    if (!threatProtection) {
      acknowledge(
        this.userPool,
        'AwsSolutions-COG8',
        'Threat protection needs the PLUS feature plan, billed per monthly active user. The pool has no self sign-up (administrators create every user), a 14-character password policy and required TOTP MFA; set DashboardApiProps.threatProtection to enable compromised-credential checks and adaptive authentication.',
      );
    }
  }
}
