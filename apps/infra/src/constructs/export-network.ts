import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

export interface ExportNetworkProps {
  /** The VPC of the database. */
  readonly vpc: ec2.IVpc;
  /** Private subnets the exporter runs in (and the interface endpoint lives in). */
  readonly vpcSubnets: ec2.SubnetSelection;
  /** Security group of the RDS instance / Aurora cluster. Gets one ingress rule: the exporter, on `databasePort`. */
  readonly databaseSecurityGroup: ec2.ISecurityGroup;
  /** Port of the database. */
  readonly databasePort: number;
  /**
   * Create the S3 and DynamoDB gateway endpoints and the Secrets Manager interface endpoint, so
   * the private subnets need no NAT gateway. Turn off when the VPC already has them (an
   * interface endpoint with private DNS can exist once per VPC).
   * @default true
   */
  readonly createEndpoints?: boolean;
}

/**
 * Where the exporter runs: its own security group, allowed out to the database port on the RDS
 * security group and to HTTPS (the VPC endpoints), and the endpoints that make a NAT gateway
 * unnecessary: S3 and DynamoDB gateway endpoints (free) and a Secrets Manager interface
 * endpoint (billed per AZ-hour; see apps/infra/README.md).
 */
export class ExportNetwork extends Construct {
  readonly securityGroup: ec2.SecurityGroup;
  readonly endpointSecurityGroup?: ec2.SecurityGroup;
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;

  constructor(scope: Construct, id: string, props: ExportNetworkProps) {
    super(scope, id);
    this.vpc = props.vpc;
    this.vpcSubnets = props.vpcSubnets;
    this.securityGroup = new ec2.SecurityGroup(this, 'ExporterSecurityGroup', {
      vpc: props.vpc,
      description: 'rds-s3-export exporter Lambda: out to the database port and HTTPS (VPC endpoints) only',
      allowAllOutbound: false,
    });
    // Adds the egress rule here and the matching ingress rule on the database's security group.
    this.securityGroup.connections.allowTo(props.databaseSecurityGroup, ec2.Port.tcp(props.databasePort), 'exporter to database');
    // HTTPS to AWS APIs. The subnets have no NAT route, so this reaches the gateway endpoints
    // (S3, DynamoDB: their prefix lists are region-specific and would need a context lookup,
    // which breaks offline synth) and the Secrets Manager interface endpoint only.
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to S3/DynamoDB gateway and Secrets Manager interface endpoints');

    if (props.createEndpoints === false) return;
    props.vpc.addGatewayEndpoint('S3Endpoint', { service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [props.vpcSubnets] });
    props.vpc.addGatewayEndpoint('DynamoDbEndpoint', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB, subnets: [props.vpcSubnets] });
    this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: props.vpc,
      description: 'rds-s3-export Secrets Manager endpoint: HTTPS in from the exporter only',
      allowAllOutbound: false,
    });
    this.endpointSecurityGroup.addIngressRule(this.securityGroup, ec2.Port.tcp(443), 'exporter to Secrets Manager');
    props.vpc.addInterfaceEndpoint('SecretsManagerEndpoint', {
      service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      subnets: props.vpcSubnets,
      securityGroups: [this.endpointSecurityGroup],
      privateDnsEnabled: true,
      open: false,
    });
  }
}
