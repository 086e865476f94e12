import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.js';

/** The rule CDK itself uses to mean "no egress": no host has 255.255.255.255, and ICMP type 252 code 86 does not exist. */
export const NO_TRAFFIC_EGRESS = { CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic', IpProtocol: 'icmp', FromPort: 252, ToPort: 86 } as const;

/** One database the exporter connects to: its security group and port (connections sharing both are one rule). */
export interface DatabaseAccess {
  /** Security group of the RDS instance / Aurora cluster. */
  readonly securityGroupId: string;
  readonly port: number;
  /** False: the group is not this stack's to change; a CfnOutput names the ingress rule to add instead. */
  readonly addIngressRule: boolean;
  /** The config's connection names that use it (rule descriptions and outputs). */
  readonly connections: readonly string[];
}

/** What the stack's VPC endpoints let through: the endpoint policies allow exactly these. */
export interface EndpointPolicyScope {
  /** `s3:*` actions the exporter uses, on the export bucket (and its objects) only. */
  readonly bucketArn: string;
  readonly s3Actions: readonly string[];
  readonly tableArn: string;
  readonly dynamoDbActions: readonly string[];
  /** ARNs (or `-??????` patterns) of the connections' secrets; only GetSecretValue on them. */
  readonly secretArns: readonly string[];
  /**
   * Glue ARNs (catalog, database, the Parquet tables) and the actions on them: with them the
   * stack adds a Glue interface endpoint allowing exactly these. Absent without Parquet tables.
   */
  readonly glueArns?: readonly string[];
  readonly glueActions?: readonly string[];
}

export interface ExportNetworkProps {
  /** The VPC of the databases. */
  readonly vpc: ec2.IVpc;
  /** Private subnets the exporter runs in (and the interface endpoint lives in). */
  readonly vpcSubnets: ec2.SubnetSelection;
  /** The databases: one egress rule each, and an ingress rule on each database security group (or an output). */
  readonly databases: readonly DatabaseAccess[];
  /**
   * Create the S3 and DynamoDB gateway endpoints and the Secrets Manager interface endpoint, so
   * the private subnets need no NAT gateway, with policies that allow only `endpointPolicy`.
   * Turn off when the VPC already has them (a gateway endpoint per service and route table,
   * an interface endpoint with private DNS once per VPC); then give `endpointSecurityGroup`.
   * @default true
   */
  readonly createEndpoints?: boolean;
  /** What the created endpoints' policies allow. Required when `createEndpoints` is true. */
  readonly endpointPolicy?: EndpointPolicyScope;
  /**
   * Security group of the VPC's own interface endpoints (Secrets Manager), when `createEndpoints`
   * is false: the exporter gets HTTPS egress to it. Its inbound rules are the owner's business
   * (they must allow HTTPS from the exporter's security group or the private subnets).
   */
  readonly endpointSecurityGroup?: ec2.ISecurityGroup;
}

/**
 * Where the exporter runs: its own security group with no egress but the databases (their
 * security groups and ports) and HTTPS to the VPC endpoints: the S3 and DynamoDB gateway
 * endpoints' managed prefix lists and the interface endpoints' security group. No 0.0.0.0/0.
 *
 * The prefix list ids (`pl-…`, one per region and service) are looked up at deploy time by a
 * custom resource (ec2:DescribePrefixLists), so `cdk synth` stays offline and
 * environment-agnostic: `ec2.PrefixList.fromLookup` would need credentials at synth. Lambda
 * logs and metrics (EMF) go through the Lambda service, not the VPC, so no CloudWatch or Step
 * Functions endpoint is needed. The exporter's only other AWS API is Glue (GetTable/UpdateTable
 * on the Parquet jobs' tables): a Glue interface endpoint is added only when there are some.
 */
export class ExportNetwork extends Construct {
  readonly securityGroup: ec2.SecurityGroup;
  /** The created Secrets Manager endpoint's security group, or the given one. */
  readonly endpointSecurityGroup: ec2.ISecurityGroup;
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly s3Endpoint?: ec2.GatewayVpcEndpoint;
  readonly dynamoDbEndpoint?: ec2.GatewayVpcEndpoint;
  readonly secretsManagerEndpoint?: ec2.InterfaceVpcEndpoint;
  /** The Glue interface endpoint, when the stack creates the endpoints and has Parquet tables. */
  readonly glueEndpoint?: ec2.InterfaceVpcEndpoint;
  /** The role of the deploy-time prefix list lookup (a Lambda outside the VPC). */
  readonly prefixListLookupRole: iam.Role;

  constructor(scope: Construct, id: string, props: ExportNetworkProps) {
    super(scope, id);
    this.vpc = props.vpc;
    this.vpcSubnets = props.vpcSubnets;
    const createEndpoints = props.createEndpoints ?? true;
    if (props.databases.length === 0) throw new Error('ExportNetwork needs at least one database');
    if (createEndpoints && props.endpointSecurityGroup) throw new Error('ExportNetwork: endpointSecurityGroup applies only with createEndpoints: false');
    if (!createEndpoints && !props.endpointSecurityGroup) {
      throw new Error('ExportNetwork: with createEndpoints: false give endpointSecurityGroup (the security group of the VPC\'s Secrets Manager interface endpoint)');
    }
    if (createEndpoints && !props.endpointPolicy) throw new Error('ExportNetwork: endpointPolicy is required when the stack creates the endpoints');

    this.securityGroup = new ec2.SecurityGroup(this, 'ExporterSecurityGroup', {
      vpc: props.vpc,
      // Unchanged since the single-database version: a new description would replace the group
      // (and the function's ENIs) on update. "The database port": each database's port.
      description: 'rds-s3-export exporter Lambda: out to the database port and HTTPS (VPC endpoints) only',
      allowAllOutbound: false,
    });
    // Every egress rule below is a separate AWS::EC2::SecurityGroupEgress (their peers are
    // imported groups or deploy-time prefix list ids), and CDK drops its inline "no traffic"
    // placeholder as soon as one is added. Keep it inline, so that CloudFormation creates the
    // group without EC2's default allow-all egress rule in the first place, whatever the order
    // in which the separate rules are created.
    // The override replaces CDK's inline list, so an inline rule (an address range peer) would
    // vanish: refuse one at synth instead. Every rule here has a group or prefix list peer.
    const cfn = this.securityGroup.node.defaultChild as ec2.CfnSecurityGroup;
    const inline = cfn.securityGroupEgress;
    cfn.addPropertyOverride('SecurityGroupEgress', [NO_TRAFFIC_EGRESS]);
    this.node.addValidation({
      validate: () => {
        const rules = (Stack.of(this).resolve(inline) as unknown[] | undefined) ?? [];
        return rules.length === 0 ? [] : [`the exporter security group must have no inline egress rule (got ${JSON.stringify(rules)}): egress goes to the databases' groups and the VPC endpoints only`];
      },
    });
    this.allowDatabases(props.databases);

    // HTTPS to S3 and DynamoDB through their gateway endpoints: the traffic goes to the
    // services' public addresses (routed to the endpoint), which the managed prefix lists name.
    const lookup = this.prefixListLookup();
    this.prefixListLookupRole = lookup.role;
    for (const [name, service] of [
      ['S3', ec2.GatewayVpcEndpointAwsService.S3],
      ['DynamoDb', ec2.GatewayVpcEndpointAwsService.DYNAMODB],
    ] as const) {
      const prefixListId = this.prefixListId(name, service, lookup);
      this.securityGroup.addEgressRule(ec2.Peer.prefixList(prefixListId), ec2.Port.tcp(443), `HTTPS to ${name} (gateway endpoint prefix list)`);
    }

    if (!createEndpoints) {
      this.endpointSecurityGroup = props.endpointSecurityGroup!;
      this.securityGroup.connections.allowTo(this.endpointSecurityGroup, ec2.Port.tcp(443), 'HTTPS to the VPC interface endpoints');
      return;
    }
    const policy = props.endpointPolicy!;
    const anyone = new iam.AnyPrincipal();
    this.s3Endpoint = props.vpc.addGatewayEndpoint('S3Endpoint', { service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [props.vpcSubnets] });
    this.s3Endpoint.addToPolicy(
      new iam.PolicyStatement({ principals: [anyone], actions: [...policy.s3Actions], resources: [policy.bucketArn, `${policy.bucketArn}/*`] }),
    );
    this.dynamoDbEndpoint = props.vpc.addGatewayEndpoint('DynamoDbEndpoint', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB, subnets: [props.vpcSubnets] });
    this.dynamoDbEndpoint.addToPolicy(new iam.PolicyStatement({ principals: [anyone], actions: [...policy.dynamoDbActions], resources: [policy.tableArn] }));

    const endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: props.vpc,
      description: 'rds-s3-export Secrets Manager endpoint: HTTPS in from the exporter only',
      allowAllOutbound: false,
    });
    this.endpointSecurityGroup = endpointSecurityGroup;
    // Egress on the exporter's group and the matching ingress on the endpoint's.
    this.securityGroup.connections.allowTo(endpointSecurityGroup, ec2.Port.tcp(443), 'exporter to Secrets Manager');
    this.secretsManagerEndpoint = props.vpc.addInterfaceEndpoint('SecretsManagerEndpoint', {
      service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      subnets: props.vpcSubnets,
      securityGroups: [endpointSecurityGroup],
      privateDnsEnabled: true,
      open: false,
    });
    this.secretsManagerEndpoint.addToPolicy(
      new iam.PolicyStatement({ principals: [anyone], actions: ['secretsmanager:GetSecretValue'], resources: [...policy.secretArns] }),
    );
    if (policy.glueArns?.length && policy.glueActions?.length) {
      // The exporter updates the Parquet tables' columns after a run (it has no NAT route); same
      // security group as the Secrets Manager endpoint: HTTPS in from the exporter only.
      this.glueEndpoint = props.vpc.addInterfaceEndpoint('GlueEndpoint', {
        service: ec2.InterfaceVpcEndpointAwsService.GLUE,
        subnets: props.vpcSubnets,
        securityGroups: [endpointSecurityGroup],
        privateDnsEnabled: true,
        open: false,
      });
      this.glueEndpoint.addToPolicy(new iam.PolicyStatement({ principals: [anyone], actions: [...policy.glueActions], resources: [...policy.glueArns] }));
    }
  }

  /**
   * One egress rule per database security group and port; the matching ingress rule on the
   * database's group when the stack may change it, else an output that names the rule to add.
   */
  private allowDatabases(databases: readonly DatabaseAccess[]): void {
    databases.forEach((db, index) => {
      const label = db.connections.join(', ');
      const group = ec2.SecurityGroup.fromSecurityGroupId(this, `DatabaseSecurityGroup${index + 1}`, db.securityGroupId, {
        mutable: db.addIngressRule,
        allowAllOutbound: false,
      });
      // With a mutable group this adds the egress rule here and the ingress rule on the
      // database's group; with an immutable one, the egress rule only.
      this.securityGroup.connections.allowTo(group, ec2.Port.tcp(db.port), `exporter to database (${label})`.slice(0, 255));
      if (!db.addIngressRule) {
        new CfnOutput(this, `DatabaseIngressToAdd${index + 1}`, {
          description: `Add this inbound rule to the database security group of connection(s) ${label}: the stack does not change that group (addIngressRule: false)`,
          value: `${db.securityGroupId} inbound TCP ${db.port} from ${this.securityGroup.securityGroupId}`,
        });
      }
    });
  }

  /**
   * The singleton Lambda of `AwsCustomResource`, with a role written out here: DescribePrefixLists
   * (no resource-level permissions) and logs on its own log group; no managed policy.
   */
  private prefixListLookup(): { role: iam.Role; logGroup: logs.LogGroup } {
    const logGroup = new logs.LogGroup(this, 'PrefixListLookupLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const role = new iam.Role(this, 'PrefixListLookupRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'rds-s3-export: looks up the S3/DynamoDB gateway prefix list ids at deploy time',
      inlinePolicies: {
        lookup: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({ actions: ['ec2:DescribePrefixLists'], resources: ['*'] }),
            new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
          ],
        }),
      },
    });
    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      'Only ec2:DescribePrefixLists, a read-only Describe action without resource-level permissions in IAM: it looks up the id of the S3 and DynamoDB managed prefix lists at deploy time, so the exporter security group can allow HTTPS to them instead of 0.0.0.0/0.',
    );
    return { role, logGroup };
  }

  private prefixListId(name: string, service: ec2.GatewayVpcEndpointAwsService, lookup: { role: iam.Role; logGroup: logs.LogGroup }): string {
    // The prefix list of a gateway endpoint service has the service's name (com.amazonaws.<region>.s3).
    const call: cr.AwsSdkCall = {
      service: 'EC2',
      action: 'DescribePrefixLists',
      parameters: { Filters: [{ Name: 'prefix-list-name', Values: [service.name] }] },
      physicalResourceId: cr.PhysicalResourceId.fromResponse('PrefixLists.0.PrefixListId'),
      outputPaths: ['PrefixLists.0.PrefixListId'],
    };
    const resource = new cr.AwsCustomResource(this, `${name}PrefixList`, {
      onCreate: call,
      onUpdate: call,
      role: lookup.role,
      logGroup: lookup.logGroup,
      installLatestAwsSdk: false,
      timeout: Duration.minutes(1),
    });
    return resource.getResponseField('PrefixLists.0.PrefixListId');
  }
}
