import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findDeploymentConfig, loadDeploymentConfig, parseDeploymentConfigText } from './deployment-config-file.js';

const temp = mkdtempSync(path.join(tmpdir(), 'deployment-config-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const parse = (text: string, options: { bucket?: string; requireSecrets?: boolean } = {}) => parseDeploymentConfigText(text, { file: 'rds-s3-export.yaml', ...options });
const errorOf = (fn: () => unknown): { code: string; errorClass: string; message: string } => {
  try {
    fn();
  } catch (error) {
    return error as { code: string; errorClass: string; message: string };
  }
  throw new Error('expected an error');
};

const TWO_DATABASES = `connections:
  shop:
    engine: mariadb
    secret: arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop-AbCdEf
    url: mariadb://exporter@127.0.0.1:3306/shop
    securityGroupId: sg-0123456789abcdef0
  analytics:
    engine: postgres
    url: postgres://exporter@db.internal/analytics
    tls: require
    port: 6432
defaults:
  destination: { bucket: local-exports, compression: gzip }
  lambda: { memoryMb: 2048 }
  schedule: { timeZone: Europe/Paris }
jobs:
  - name: orders
    connection: shop
    table: orders
    lambda: { timeoutSeconds: 300 }
    schedule: { expression: rate(5 minutes) }
  - name: views
    connection: analytics
    query: SELECT id, url FROM page_views
    destination: { compression: none, layout: flat }
`;

describe('Function: parseDeploymentConfigText', () => {
  it('reads any table and column names the engines allow, exactly, in either quoted form', () => {
    // Arrange: the YAML quotes a value that starts with a quote character.
    const text = TWO_DATABASES.replace(
      '    table: orders\n',
      [
        `    table: '"My Schema"."Order Items"'`,
        '    columns: [Order ID, "First Name", \'"Last, First"\', \'`order-id`\']',
        `    primaryKey: ['"Order ID"']`,
        '',
      ].join('\n'),
    );

    // Act
    const orders = parse(text).job('orders');

    // Assess
    expect(orders.table).toBe('"My Schema"."Order Items"');
    expect(orders.columns).toEqual(['Order ID', 'First Name', 'Last, First', 'order-id']);
    expect(orders.primaryKey).toEqual(['Order ID']);
  });

  it('resolves each job: engine and connection by name, defaults under the job\'s own values, schema defaults last', () => {
    const config = parse(TWO_DATABASES);
    expect([...config.jobs.keys()]).toEqual(['orders', 'views']);
    const orders = config.job('orders');
    expect(orders.engine).toBe('mariadb');
    expect(orders.connection).toEqual({
      name: 'shop',
      secret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop-AbCdEf',
      url: 'mariadb://exporter@127.0.0.1:3306/shop',
      securityGroupId: 'sg-0123456789abcdef0',
      port: 3306,
    });
    expect(orders.lambda).toEqual({ memoryMb: 2048, timeoutSeconds: 300 });
    expect(orders.schedule).toEqual({ expression: 'rate(5 minutes)', timeZone: 'Europe/Paris' });
    expect(orders.destination).toEqual({ bucket: 'local-exports', prefix: 'rds_exports', manifestPrefix: '_manifests', layout: 'hive', compression: 'gzip' });
    const views = config.job('views');
    expect(views.engine).toBe('postgres');
    expect(views.connection).toEqual({ name: 'analytics', url: 'postgres://exporter@db.internal/analytics', tls: 'require', port: 6432 });
    expect(views.destination).toMatchObject({ bucket: 'local-exports', compression: 'none', layout: 'flat' });
    expect(views.lambda).toEqual({ memoryMb: 2048, timeoutSeconds: 900 });
    expect(views.query).toBe('SELECT id, url FROM page_views');
  });

  it('takes the deployment\'s bucket over the file\'s, and needs one from somewhere', () => {
    expect(parse(TWO_DATABASES, { bucket: 'stack-bucket' }).job('views').destination.bucket).toBe('stack-bucket');
    const noBucket = TWO_DATABASES.replace('bucket: local-exports, ', '');
    expect(parse(noBucket, { bucket: 'stack-bucket' }).job('orders').destination.bucket).toBe('stack-bucket');
    expect(errorOf(() => parse(noBucket)).message).toBe(
      [
        'rds-s3-export.yaml:17: job "orders": destination.bucket: is not set: for local runs give defaults.destination.bucket, the job\'s destination.bucket or the CLI\'s --dest; in AWS the stack supplies its bucket',
        'rds-s3-export.yaml:22: job "views": destination.bucket: is not set: for local runs give defaults.destination.bucket, the job\'s destination.bucket or the CLI\'s --dest; in AWS the stack supplies its bucket',
      ].join('\n'),
    );
  });

  it('names the file, the line, the job and the field of an unknown connection', () => {
    const error = errorOf(() => parse(TWO_DATABASES.replace('connection: shop', 'connection: shopp')));
    expect(error).toMatchObject({ code: 'DEPLOYMENT_CONFIG_INVALID', errorClass: 'config' });
    expect(error.message).toBe('rds-s3-export.yaml:18: job "orders": connection: no connection "shopp" (known: shop, analytics)');
  });

  it('refuses a job defined twice at the second one', () => {
    const twice = `${TWO_DATABASES}  - name: orders\n    connection: shop\n    table: orders_archive\n`;
    expect(errorOf(() => parse(twice)).message).toBe('rds-s3-export.yaml:26: job "orders": name: job "orders" is defined twice (first as jobs[0]); job names must be unique');
  });

  it.each([
    ['a misspelt job field', TWO_DATABASES.replace('table: orders', 'tabel: orders'), 'rds-s3-export.yaml:19: job "orders": tabel: is not a field here (misspelt?)'],
    ['a bad value in a job', TWO_DATABASES.replace('table: orders', 'table: shop.sales.orders'), 'rds-s3-export.yaml:19: job "orders": table: "shop.sales.orders" must be "table" or "schema.table"'],
    ['a bad default (the defaults line)', TWO_DATABASES.replace('bucket: local-exports', 'bucket: Bad_Bucket'), 'rds-s3-export.yaml:13: defaults.destination.bucket: may contain only lowercase letters'],
    ['an engine that is not one', TWO_DATABASES.replace('engine: mariadb', 'engine: oracle'), 'rds-s3-export.yaml:3: connections.shop.engine: Invalid option'],
    ['a URL of another engine', TWO_DATABASES.replace('mariadb://exporter', 'postgres://exporter'), 'rds-s3-export.yaml:5: connections.shop.url: is a postgres:// URL but the engine is mariadb (use mariadb://…)'],
    ['a port the URL contradicts', TWO_DATABASES.replace('db.internal/', 'db.internal:5432/'), 'rds-s3-export.yaml:11: connections.analytics.port: is 6432 but the url says port 5432; make them agree'],
    ['a connection with neither secret nor url', TWO_DATABASES.replace('    url: postgres://exporter@db.internal/analytics\n', ''), 'rds-s3-export.yaml:7: connections.analytics: needs "secret" (the database secret, in AWS) or "url" (local runs), or both'],
    ['a security group id that is not one', TWO_DATABASES.replace('sg-0123456789abcdef0', 'sg-nope'), 'rds-s3-export.yaml:6: connections.shop.securityGroupId: must be a security group id'],
    ['a rule across fields of the merged job', TWO_DATABASES.replace('lambda: { timeoutSeconds: 300 }', 'parallel: { chunks: 4 }'), 'rds-s3-export.yaml:20: job "orders": parallel: a parallel job needs "primaryKey"'],
    ['no jobs', TWO_DATABASES.replace(/jobs:[\s\S]*$/, 'jobs: []\n'), 'rds-s3-export.yaml:16: jobs: list at least one job'],
  ])('names the line and the field of %s', (_what, text, message) => {
    expect(errorOf(() => parse(text)).message).toContain(message);
  });

  it('requires a secret for every connection a job uses when deploying', () => {
    expect(errorOf(() => parse(TWO_DATABASES, { requireSecrets: true })).message).toBe(
      'rds-s3-export.yaml:7: connections.analytics.secret: is not set, and job "views" uses this connection: in AWS each connection needs the ARN of its database\'s secret',
    );
  });

  it('never prints a password: not from a URL, not from a YAML syntax error', () => {
    const withPassword = TWO_DATABASES.replace('exporter@127', 'exporter:hunter2@127');
    const error = errorOf(() => parse(withPassword));
    expect(error.message).toBe('rds-s3-export.yaml:5: connections.shop.url: must not contain a password (config is not a secret store)');
    const broken = errorOf(() => parse(withPassword.replace('    securityGroupId', '  securityGroupId: [hunter2\n    securityGroupId')));
    expect(error.message + broken.message).not.toContain('hunter2');
    expect(broken).toMatchObject({ code: 'DEPLOYMENT_CONFIG_SYNTAX' });
    expect(broken.message).toMatch(/^rds-s3-export\.yaml:\d+: not valid YAML or JSON: /);
  });

  it('reads JSON too, with its lines', () => {
    const json = JSON.stringify({ connections: { db: { engine: 'postgres', url: 'postgres://u@h/db' } }, defaults: { destination: { bucket: 'b-local' } }, jobs: [{ name: 'a', connection: 'db', table: 't' }, { name: 'b', connection: 'nope', table: 't' }] }, null, 2);
    const line = json.split('\n').findIndex((l) => l.includes('"nope"')) + 1;
    expect(line).toBeGreaterThan(1);
    expect(errorOf(() => parseDeploymentConfigText(json, { file: 'config.json' })).message).toBe(`config.json:${line}: job "b": connection: no connection "nope" (known: db)`);
  });
});

describe('Function: loadDeploymentConfig', () => {
  const workspace = path.join(temp, 'workspace');
  const sub = path.join(workspace, 'apps', 'infra');
  mkdirSync(sub, { recursive: true });
  writeFileSync(path.join(workspace, 'nx.json'), '{}');
  writeFileSync(path.join(workspace, 'rds-s3-export.yaml'), TWO_DATABASES);
  writeFileSync(path.join(temp, 'other.yaml'), TWO_DATABASES.replace(/jobs:[\s\S]*$/, 'jobs:\n  - { name: other, connection: shop, table: t }\n'));

  it('reads --config, else RDS_S3_EXPORT_CONFIG, else rds-s3-export.yaml in the working directory or at the workspace root', () => {
    expect(findDeploymentConfig({ cwd: sub, env: {} })).toBe(path.join(workspace, 'rds-s3-export.yaml'));
    expect(findDeploymentConfig({ cwd: sub, env: { RDS_S3_EXPORT_CONFIG: '../../../other.yaml' } })).toBe(path.join(temp, 'other.yaml'));
    expect(findDeploymentConfig({ cwd: sub, path: path.join(temp, 'other.yaml'), env: { RDS_S3_EXPORT_CONFIG: 'nope.yaml' } })).toBe(path.join(temp, 'other.yaml'));
    writeFileSync(path.join(sub, 'rds-s3-export.yaml'), TWO_DATABASES);
    expect(findDeploymentConfig({ cwd: sub, env: {} })).toBe(path.join(sub, 'rds-s3-export.yaml'));
    rmSync(path.join(sub, 'rds-s3-export.yaml'));
    const loaded = loadDeploymentConfig({ cwd: workspace, env: { RDS_S3_EXPORT_CONFIG: path.join(temp, 'other.yaml') } });
    expect([...loaded.jobs.keys()]).toEqual(['other']);
    expect(loaded.file).toBe(path.join(temp, 'other.yaml'));
  });

  it('says which files it looked for and how to name one', () => {
    const none = errorOf(() => loadDeploymentConfig({ cwd: temp, env: {} }));
    expect(none).toMatchObject({ code: 'DEPLOYMENT_CONFIG_NOT_FOUND', errorClass: 'config' });
    expect(none.message).toContain(`${path.join(temp, 'rds-s3-export.yaml')} does not exist; copy rds-s3-export.example.yaml to rds-s3-export.yaml and edit it, or name a file with --config or RDS_S3_EXPORT_CONFIG`);
    expect(errorOf(() => loadDeploymentConfig({ cwd: temp, env: { RDS_S3_EXPORT_CONFIG: 'missing.yaml' } })).message).toBe(`deployment config ${path.join(temp, 'missing.yaml')} (from RDS_S3_EXPORT_CONFIG) does not exist`);
  });

  it('names the file relative to the working directory in errors', () => {
    writeFileSync(path.join(workspace, 'broken.yaml'), TWO_DATABASES.replace('connection: shop', 'connection: shopp'));
    expect(errorOf(() => loadDeploymentConfig({ cwd: workspace, path: 'broken.yaml', env: {} })).message).toMatch(/^broken\.yaml:18: job "orders": connection: no connection "shopp"/);
  });

  it('loads the shipped example (two databases, three jobs) with the stack\'s bucket and secrets required', () => {
    const example = fileURLToPath(new URL('../../../rds-s3-export.example.yaml', import.meta.url));
    const loaded = loadDeploymentConfig({ path: example, env: {}, bucket: 'stack-bucket', requireSecrets: true });
    expect([...loaded.jobs.values()].map((j) => [j.name, j.engine, j.connection.name, j.connection.port])).toEqual([
      ['orders', 'mariadb', 'shop', 3306],
      ['customers', 'mariadb', 'shop', 3306],
      ['page-views', 'postgres', 'analytics', 5432],
    ]);
    expect(new Set([...loaded.jobs.values()].map((j) => j.connection.securityGroupId))).toEqual(new Set(['sg-0123456789abcdef0', 'sg-0fedcba9876543210']));
  });
});
