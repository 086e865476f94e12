/**
 * Deployment settings: the environment variable `RDS_S3_EXPORT_<NAME>` (GitHub environment
 * variables in the deploy workflow) wins over the CDK context key `rds-s3-export:<name>`
 * (`-c` on the command line, or the example values in apps/infra/cdk.json).
 */
export interface DeploySettings {
  /** Stage name; part of the pipeline stack name. @default 'dev' */
  readonly stage: string;
  readonly vpcId: string;
  readonly availabilityZones: readonly string[];
  readonly privateSubnetIds: readonly string[];
  readonly privateSubnetRouteTableIds: readonly string[];
  readonly databaseSecurityGroupId: string;
  readonly databasePort?: number;
  /** @default each job's connection.secret */
  readonly databaseSecretArn?: string;
  /** @default the stack creates the bucket */
  readonly exportBucketName?: string;
  readonly alarmEmail?: string;
  /** @default true */
  readonly createVpcEndpoints: boolean;
  /** `owner/name` allowed to deploy through the CI-access stack. */
  readonly githubRepository: string;
}

/** The VPC id of the example settings in apps/infra/cdk.json (synth only, never a deploy). */
export const EXAMPLE_VPC_ID = 'vpc-0123456789abcdef0';

type Lookup = (name: string) => string | undefined;

const envName = (name: string) => `RDS_S3_EXPORT_${name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;

export function readDeploySettings(context: (key: string) => unknown, env: NodeJS.ProcessEnv): DeploySettings {
  const get: Lookup = (name) => {
    const fromEnv = env[envName(name)]?.trim();
    if (fromEnv) return fromEnv;
    const fromContext = context(`rds-s3-export:${name}`);
    return typeof fromContext === 'string' && fromContext.trim() ? fromContext.trim() : undefined;
  };
  const required = (name: string): string => {
    const value = get(name);
    if (!value) throw new Error(`setting "${name}" is missing: pass -c rds-s3-export:${name}=... or set ${envName(name)}`);
    return value;
  };
  const list = (name: string) => required(name).split(',').map((s) => s.trim()).filter(Boolean);
  const port = get('databasePort');
  if (port !== undefined && !/^\d{1,5}$/.test(port)) throw new Error(`setting "databasePort" must be a port number (got "${port}")`);
  const endpoints = get('createVpcEndpoints') ?? 'true';
  if (endpoints !== 'true' && endpoints !== 'false') throw new Error(`setting "createVpcEndpoints" must be true or false (got "${endpoints}")`);
  const stage = (typeof context('stage') === 'string' ? String(context('stage')) : undefined) ?? env.DEPLOY_STAGE?.trim() ?? 'dev';
  if (!/^[a-z][a-z0-9-]{0,20}$/.test(stage)) throw new Error(`stage "${stage}" must be lowercase letters, digits and dashes`);
  const subnets = list('privateSubnetIds');
  const routeTables = list('privateSubnetRouteTableIds');
  if (routeTables.length !== subnets.length) throw new Error('privateSubnetRouteTableIds needs one route table per subnet of privateSubnetIds, in the same order');
  const optional = <K extends string>(key: K, name: string) => {
    const value = get(name);
    return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
  };
  const vpcId = required('vpcId');
  if (env.DEPLOY_STAGE && vpcId === EXAMPLE_VPC_ID) {
    throw new Error(`DEPLOY_STAGE=${env.DEPLOY_STAGE} but the network settings are the examples of cdk.json: set RDS_S3_EXPORT_VPC_ID etc. (see apps/infra/README.md)`);
  }
  return {
    stage,
    vpcId,
    availabilityZones: list('availabilityZones'),
    privateSubnetIds: subnets,
    privateSubnetRouteTableIds: routeTables,
    databaseSecurityGroupId: required('databaseSecurityGroupId'),
    ...(port !== undefined && { databasePort: Number(port) }),
    ...optional('databaseSecretArn', 'databaseSecretArn'),
    ...optional('exportBucketName', 'exportBucketName'),
    ...optional('alarmEmail', 'alarmEmail'),
    createVpcEndpoints: endpoints === 'true',
    githubRepository: required('githubRepository'),
  };
}
