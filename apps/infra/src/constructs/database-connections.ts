import { DEFAULT_PORTS, type Engine, type JobConfig } from '@rds-s3-export/shared-types';

/** A named connection of the deployment config, as the stack needs it (the jobs that use it resolved). */
export interface DeployedConnection {
  readonly name: string;
  readonly engine: Engine;
  /** `connection.port`, else the engine's default (3306 MySQL/MariaDB, 5432 PostgreSQL). */
  readonly port: number;
  readonly securityGroupId: string;
  /** False: the database's security group is not this stack's to change; the stack outputs the rule instead. */
  readonly addIngressRule: boolean;
  readonly secret: SecretReference;
  /** Names of the jobs that use the connection. */
  readonly jobs: readonly string[];
}

/** How a secret is named in the config: its complete ARN, or its name in the stack's account and region. */
export type SecretReference = { readonly kind: 'arn'; readonly arn: string; readonly region: string } | { readonly kind: 'name'; readonly name: string };

/** A complete secret ARN: partition, region, account, name and the 6-character suffix Secrets Manager appends. */
const SECRET_ARN = /^arn:aws[-a-z]*:secretsmanager:([a-z]{2,4}(?:-[a-z]+)+-\d{1,2}):(\d{12}):secret:([A-Za-z0-9/_+=.@!-]+)-[A-Za-z0-9]{6}$/;
/** Any ARN of a secret, complete or not (to tell a partial ARN from a typo). */
const ANY_SECRET_ARN = /^arn:aws[-a-z]*:secretsmanager:[^:]*:[^:]*:secret:/;
/** Secrets Manager secret names: 1 to 512 of letters, digits and /_+=.@- (and `!` of RDS-managed secrets). */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@!-]{1,512}$/;

/** A deployment config that cannot be deployed as it is; the message names the connection and the field. */
export class ConnectionConfigError extends Error {
  override readonly name = 'ConnectionConfigError';
}

/**
 * The distinct connections of the jobs, in first-use order, each checked for what running in
 * AWS needs: a secret (complete ARN or name) and the database's security group. Jobs that
 * name the same connection must agree on it (they do when the config loader resolved them).
 *
 * A secret given by name is granted as `…:secret:<name>-??????`: Secrets Manager appends exactly
 * a dash and six characters to every name, so the pattern matches that one secret and no other.
 * An ARN must be complete: a partial ARN cannot be told apart from a complete one whose name
 * ends in a dash and six characters, so it is refused rather than granted wrongly.
 */
export function deployedConnections(jobs: readonly JobConfig[], options: { readonly region?: string } = {}): DeployedConnection[] {
  const byName = new Map<string, { connection: DeployedConnection; jobs: string[] }>();
  const problems: string[] = [];
  for (const job of jobs) {
    const c = job.connection;
    const where = `connection "${c.name}" (job "${job.name}")`;
    const secret = secretReference(c.secret, where, options.region, problems);
    if (!c.securityGroupId) {
      problems.push(`${where} has no securityGroupId: the exporter may reach a database only through its security group; set connections.${c.name}.securityGroupId to the database's sg-… id`);
    }
    if (!secret || !c.securityGroupId) continue;
    const connection: DeployedConnection = {
      name: c.name,
      engine: job.engine,
      port: c.port ?? DEFAULT_PORTS[job.engine],
      securityGroupId: c.securityGroupId,
      addIngressRule: c.addIngressRule ?? true,
      secret,
      jobs: [],
    };
    const seen = byName.get(c.name);
    if (!seen) {
      byName.set(c.name, { connection, jobs: [job.name] });
      continue;
    }
    const differs = (['engine', 'port', 'securityGroupId', 'addIngressRule'] as const).filter((k) => seen.connection[k] !== connection[k]);
    if (JSON.stringify(seen.connection.secret) !== JSON.stringify(secret)) differs.push('secret' as never);
    if (differs.length) problems.push(`${where} differs from its use by job "${seen.jobs[0]}" in ${differs.join(', ')}: one connection name is one database`);
    else seen.jobs.push(job.name);
  }
  const connections = [...byName.values()].map(({ connection, jobs: names }) => ({ ...connection, jobs: names }));
  // One security group and port is one rule: connections sharing them must agree on who adds the ingress.
  const rules = new Map<string, DeployedConnection>();
  for (const c of connections) {
    const key = `${c.securityGroupId}:${c.port}`;
    const other = rules.get(key);
    if (other && other.addIngressRule !== c.addIngressRule) {
      problems.push(`connections "${other.name}" and "${c.name}" share security group ${c.securityGroupId} and port ${c.port} but disagree on addIngressRule`);
    }
    rules.set(key, c);
  }
  if (problems.length) throw new ConnectionConfigError(`the deployment config cannot be deployed:\n  - ${[...new Set(problems)].join('\n  - ')}`);
  return connections;
}

function secretReference(secret: string | undefined, where: string, region: string | undefined, problems: string[]): SecretReference | undefined {
  if (!secret) {
    problems.push(`${where} has no secret: in AWS the exporter reads the database credentials from Secrets Manager; set its secret to the secret's complete ARN or name`);
    return undefined;
  }
  const arn = SECRET_ARN.exec(secret);
  if (arn) {
    const [, secretRegion] = arn as unknown as [string, string];
    if (region && secretRegion !== region) {
      problems.push(`${where}: secret ${secret} is in ${secretRegion} but the stack deploys to ${region}; the exporter reads secrets of its own region (through the VPC endpoint)`);
    }
    return { kind: 'arn', arn: secret, region: secretRegion };
  }
  if (ANY_SECRET_ARN.test(secret) || secret.startsWith('arn:')) {
    problems.push(
      `${where}: secret "${secret}" is not a complete Secrets Manager ARN (arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>-<6 characters>); copy the ARN from "aws secretsmanager describe-secret --secret-id <name>", or give the secret's name`,
    );
    return undefined;
  }
  if (!SECRET_NAME.test(secret)) {
    problems.push(`${where}: secret "${secret}" is neither a complete ARN nor a secret name (letters, digits and /_+=.@-)`);
    return undefined;
  }
  return { kind: 'name', name: secret };
}
