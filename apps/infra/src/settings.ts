import { bucketNameProblem, SECURITY_GROUP_ID_PATTERN } from '@rds-s3-export/shared-types';

/**
 * Deployment settings: the environment variable `RDS_S3_EXPORT_<NAME>` (GitHub environment
 * variables in the deploy workflow) wins over the CDK context key `rds-s3-export:<name>`
 * (`-c` on the command line, or the example values in apps/infra/cdk.json). The databases
 * (engine, secret, security group, port) are not settings: they are the connections of the
 * deployment config that the jobs reference.
 *
 * Every setting is checked when the app is built (before anything is synthesized), and an
 * error names each wrong setting with its value and the form it must have.
 */
export interface DeploySettings {
  /** Stage name; part of the pipeline stack name. @default 'dev' */
  readonly stage: string;
  /**
   * AWS account of the stacks: the setting `account`, else `CDK_DEFAULT_ACCOUNT` (which the CDK
   * CLI sets from the credentials in use). @default environment-agnostic (synth offline)
   */
  readonly account?: string;
  /**
   * AWS region of the stacks: the setting `region`, else the region of `availabilityZones` (the
   * VPC's). Not `CDK_DEFAULT_REGION`: the CDK CLI sets that to us-east-1 when no profile or
   * `AWS_REGION` names one, and a stack outside its VPC's region can only fail to deploy.
   */
  readonly region: string;
  readonly vpcId: string;
  /** At least two; one private subnet (and one route table entry) per zone, in the same order. */
  readonly availabilityZones: readonly string[];
  readonly privateSubnetIds: readonly string[];
  /** The route table of each subnet of `privateSubnetIds`, in the same order (a table may repeat). */
  readonly privateSubnetRouteTableIds: readonly string[];
  /** @default the stack creates the bucket */
  readonly exportBucketName?: string;
  readonly alarmEmail?: string;
  /** @default true */
  readonly createVpcEndpoints: boolean;
  /**
   * Security group of the VPC's own interface endpoints (Secrets Manager; S3 / DynamoDB too if
   * they are interface endpoints): the exporter gets HTTPS egress to it. Required when
   * `createVpcEndpoints` is false, refused otherwise (the stack's endpoints have their own).
   */
  readonly vpcEndpointSecurityGroupId?: string;
  /** `owner/name` allowed to deploy through the CI-access stack. */
  readonly githubRepository: string;
}

/** The VPC id of the example settings in apps/infra/cdk.json (synth only, never a deploy). */
export const EXAMPLE_VPC_ID = 'vpc-0123456789abcdef0';

/** EC2 ids: a prefix and 8 (older resources) or 17 lowercase hex digits. */
const ec2Id = (prefix: string) => new RegExp(`^${prefix}-(?:[0-9a-f]{8}|[0-9a-f]{17})$`);
export const VPC_ID = ec2Id('vpc');
export const SUBNET_ID = ec2Id('subnet');
export const ROUTE_TABLE_ID = ec2Id('rtb');
/** `eu-west-1`, `us-gov-west-1`, `ap-southeast-5`, `eusc-de-east-1`. */
export const REGION = /^[a-z]{2,4}(?:-[a-z]+)+-\d{1,2}$/;
/** A zone is its region plus one letter (`eu-west-1a`). */
const AVAILABILITY_ZONE = /^([a-z]{2,4}(?:-[a-z]+)+-\d{1,2})[a-z]$/;
export const ACCOUNT_ID = /^\d{12}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const GITHUB_REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;

/** One or more settings are wrong; `problems` has one line per setting. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid deployment settings (see apps/infra/README.md, "Settings"):\n  - ${problems.join('\n  - ')}`);
  }
}

const envName = (name: string) => `RDS_S3_EXPORT_${name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;

export function readDeploySettings(context: (key: string) => unknown, env: NodeJS.ProcessEnv): DeploySettings {
  const problems: string[] = [];
  const problem = (name: string, message: string) => problems.push(`setting "${name}" (${envName(name)}) ${message}`);
  const get = (name: string): string | undefined => {
    const fromEnv = env[envName(name)]?.trim();
    if (fromEnv) return fromEnv;
    const fromContext = context(`rds-s3-export:${name}`);
    return typeof fromContext === 'string' && fromContext.trim() ? fromContext.trim() : undefined;
  };
  const required = (name: string): string => {
    const value = get(name);
    if (!value) problems.push(`setting "${name}" is missing: pass -c rds-s3-export:${name}=... or set ${envName(name)}`);
    return value ?? '';
  };
  const matching = (name: string, value: string | undefined, pattern: RegExp, form: string) => {
    if (value !== undefined && value !== '' && !pattern.test(value)) problem(name, `must be ${form} (got "${value}")`);
    return value;
  };
  const list = (name: string, pattern: RegExp, form: string): string[] => {
    const raw = required(name);
    const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
    const wrong = items.filter((item) => !pattern.test(item));
    if (wrong.length) problem(name, `must be a comma-separated list of ${form} (wrong: ${wrong.map((w) => `"${w}"`).join(', ')})`);
    return items;
  };

  const stage = (typeof context('stage') === 'string' ? String(context('stage')) : undefined) ?? env.DEPLOY_STAGE?.trim() ?? 'dev';
  if (!/^[a-z][a-z0-9-]{0,20}$/.test(stage)) problems.push(`stage "${stage}" must be lowercase letters, digits and dashes (at most 21, starting with a letter)`);

  // The stacks' environment: the explicit setting wins over what the CDK CLI derived from the credentials.
  const account = matching('account', get('account') ?? (env.CDK_DEFAULT_ACCOUNT?.trim() || undefined), ACCOUNT_ID, 'a 12-digit AWS account id');
  const explicitRegion = matching('region', get('region'), REGION, 'an AWS region like eu-west-1');

  const vpcId = matching('vpcId', required('vpcId'), VPC_ID, 'a VPC id like vpc-0123456789abcdef0') ?? '';
  const zones = list('availabilityZones', AVAILABILITY_ZONE, 'availability zones like eu-west-1a');
  const subnets = list('privateSubnetIds', SUBNET_ID, 'subnet ids like subnet-0123456789abcdef0');
  const routeTables = list('privateSubnetRouteTableIds', ROUTE_TABLE_ID, 'route table ids like rtb-0123456789abcdef0');
  const zonesRegion = checkNetworkShape(zones, subnets, routeTables, explicitRegion && REGION.test(explicitRegion) ? explicitRegion : undefined, problem);
  const region = explicitRegion ?? zonesRegion ?? '';

  const exportBucketName = get('exportBucketName');
  const bucketProblem = exportBucketName === undefined ? null : bucketNameProblem(exportBucketName);
  if (bucketProblem) problem('exportBucketName', `${bucketProblem} (got "${exportBucketName}")`);
  const alarmEmail = matching('alarmEmail', get('alarmEmail'), EMAIL, 'an email address like ops@example.com');

  const endpoints = get('createVpcEndpoints') ?? 'true';
  if (endpoints !== 'true' && endpoints !== 'false') problem('createVpcEndpoints', `must be true or false (got "${endpoints}")`);
  const endpointGroup = matching('vpcEndpointSecurityGroupId', get('vpcEndpointSecurityGroupId'), SECURITY_GROUP_ID_PATTERN, 'a security group id like sg-0123456789abcdef0');
  if (endpoints === 'false' && !endpointGroup) {
    problem(
      'vpcEndpointSecurityGroupId',
      'is required when createVpcEndpoints is false: the security group of the VPC\'s Secrets Manager interface endpoint, the only HTTPS destination besides the S3/DynamoDB gateway prefix lists that the exporter may reach',
    );
  }
  if (endpoints === 'true' && endpointGroup) {
    problem('vpcEndpointSecurityGroupId', 'applies only with createVpcEndpoints=false (the stack\'s own endpoints get their own security group)');
  }
  const githubRepository = matching('githubRepository', required('githubRepository'), GITHUB_REPOSITORY, 'a GitHub repository "owner/name"') ?? '';

  if (env.DEPLOY_STAGE && vpcId === EXAMPLE_VPC_ID) {
    problems.push(`DEPLOY_STAGE=${env.DEPLOY_STAGE} but the network settings are the examples of cdk.json: set RDS_S3_EXPORT_VPC_ID etc. (see apps/infra/README.md)`);
  }
  if (problems.length) throw new SettingsError(problems);
  return {
    stage,
    ...(account && { account }),
    region,
    vpcId,
    availabilityZones: zones,
    privateSubnetIds: subnets,
    privateSubnetRouteTableIds: routeTables,
    ...(exportBucketName && { exportBucketName }),
    ...(alarmEmail && { alarmEmail }),
    createVpcEndpoints: endpoints === 'true',
    ...(endpointGroup && { vpcEndpointSecurityGroupId: endpointGroup }),
    githubRepository,
  };
}

/**
 * The rule for the imported network: at least two availability zones (an RDS DB subnet group
 * spans two, and Lambda keeps running when one zone fails), each named once, all in the
 * stacks' region; exactly one private subnet per zone, in the same order (CDK would silently
 * spread N subnets over fewer zones and attribute them wrongly); one route table per subnet,
 * in the same order (subnets may share a table).
 */
function checkNetworkShape(
  zones: readonly string[],
  subnets: readonly string[],
  routeTables: readonly string[],
  region: string | undefined,
  problem: (name: string, message: string) => void,
): string | undefined {
  const duplicates = (items: readonly string[]) => [...new Set(items.filter((item, i) => items.indexOf(item) !== i))];
  if (zones.length > 0 && zones.length < 2) {
    problem('availabilityZones', `must name at least 2 availability zones (got ${zones.length}: ${zones.join(', ')}); RDS and the exporter span two zones`);
  }
  if (duplicates(zones).length) problem('availabilityZones', `names a zone twice (${duplicates(zones).join(', ')})`);
  if (duplicates(subnets).length) problem('privateSubnetIds', `names a subnet twice (${duplicates(subnets).join(', ')})`);
  if (zones.length && subnets.length && subnets.length !== zones.length) {
    problem('privateSubnetIds', `needs exactly one subnet per availability zone, in the same order: ${zones.length} zone(s) (${zones.join(', ')}) but ${subnets.length} subnet(s)`);
  }
  if (subnets.length && routeTables.length && routeTables.length !== subnets.length) {
    problem(
      'privateSubnetRouteTableIds',
      `needs one route table per subnet of privateSubnetIds, in the same order (a table may repeat): ${subnets.length} subnet(s) but ${routeTables.length} route table(s)`,
    );
  }
  const regions = new Set(zones.map((zone) => AVAILABILITY_ZONE.exec(zone)?.[1]).filter((r): r is string => r !== undefined));
  if (regions.size > 1) problem('availabilityZones', `mixes regions (${[...regions].join(', ')}); a VPC lives in one region`);
  if (region && regions.size === 1 && !regions.has(region)) {
    problem('availabilityZones', `are in ${[...regions][0]} but the setting "region" is ${region}; the stacks deploy to the VPC's region`);
  }
  return regions.size === 1 ? [...regions][0] : undefined;
}
