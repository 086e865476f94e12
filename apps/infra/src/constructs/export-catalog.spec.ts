import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { PARALLEL_TEST_JOB, parquetJobs, testApp, testJobs, testPipeline } from '../testing/test-settings.js';
import { ExportCatalog, PENDING_COLUMN } from './export-catalog.js';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

let template: Template;
let resources: Resources;
let exportBucket: string;
let accessLogs: string;
let catalog: ExportCatalog;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

beforeAll(() => {
  // Prepare: the pipeline with the test catalog: hive jobs with columns (orders-archive and the
  // sample employees job) and a flat-layout job (legacy-flat).
  const { stack, pipeline } = testPipeline({ jobs: testJobs() });
  catalog = pipeline.catalog;
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Resources;
  exportBucket = ofType('AWS::S3::Bucket').find(([, r]) => r.Properties.VersioningConfiguration)![0];
  accessLogs = ofType('AWS::S3::Bucket').find(([id]) => id.includes('ExportBucketAccessLogs'))![0];
});

describe('Construct: ExportCatalog', () => {
  it('creates one Glue database named after the stack', () => {
    expect(ofType('AWS::Glue::Database')).toHaveLength(1);
    template.hasResourceProperties('AWS::Glue::Database', { CatalogId: { Ref: 'AWS::AccountId' }, DatabaseInput: Match.objectLike({ Name: 'testpipeline' }) });
  });

  it('creates a table only for hive-layout jobs with declared columns, and says why for the others', () => {
    expect(ofType('AWS::Glue::Table')).toHaveLength(2);
    expect([...catalog.tables.keys()].sort()).toEqual(['employees', PARALLEL_TEST_JOB].sort());
    expect(Object.fromEntries(catalog.skipped)).toEqual({
      'legacy-flat': expect.stringContaining('flat layout'),
    });
  });

  it('reads s3://<bucket>/<prefix>/<job>/ as OpenCSVSerde text, header skipped, every declared column a string', () => {
    const location = { 'Fn::Join': ['', ['s3://', { Ref: exportBucket }, `/rds_exports/${PARALLEL_TEST_JOB}/`]] };
    template.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: { Ref: ofType('AWS::Glue::Database')[0]![0] },
      TableInput: Match.objectLike({
        Name: 'orders_archive',
        TableType: 'EXTERNAL_TABLE',
        PartitionKeys: [Match.objectLike({ Name: 'dt', Type: 'string' })],
        StorageDescriptor: {
          Location: location,
          InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.serde2.OpenCSVSerde', Parameters: { separatorChar: ',', quoteChar: '"', escapeChar: '\\' } },
          // Declared order, lowercased (Athena names are case-insensitive).
          Columns: ['id', 'customer_id', 'total', 'created_at'].map((name) => ({ Name: name, Type: 'string' })),
        },
      }),
    });
  });

  it('projects the dt partitions by date from the start date to NOW, with the dt= folder as location template', () => {
    const table = ofType('AWS::Glue::Table')
      .map(([, resource]) => resource.Properties.TableInput as { Name: string; Parameters: Record<string, unknown> })
      .find((t) => t.Name === 'orders_archive')!;
    expect(table.Parameters).toEqual({
      EXTERNAL: 'TRUE',
      classification: 'csv',
      'skip.header.line.count': '1',
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': '2020-01-01,NOW',
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'DAYS',
      'storage.location.template': { 'Fn::Join': ['', ['s3://', { Ref: exportBucket }, `/rds_exports/${PARALLEL_TEST_JOB}/dt=\${dt}/`]] },
    });
  });

  it('has a workgroup that enforces its settings: encrypted results in its own bucket, a bytes-scanned cutoff', () => {
    const results = ofType('AWS::S3::Bucket').find(([id]) => id.includes('CatalogResults'))![0];
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'TestPipeline',
      State: 'ENABLED',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        RequesterPaysEnabled: false,
        ResultConfiguration: {
          OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: results }, '/results/']] },
          ExpectedBucketOwner: { Ref: 'AWS::AccountId' },
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
        },
      },
    });
    expect(results).not.toBe(exportBucket);
    expect(resources[results]!.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      // Access logs go to the export bucket's log bucket, under their own prefix.
      LoggingConfiguration: { DestinationBucketName: { Ref: accessLogs }, LogFilePrefix: 'athena-results/' },
      LifecycleConfiguration: { Rules: expect.arrayContaining([expect.objectContaining({ Id: 'expire-query-results', ExpirationInDays: 30, Status: 'Enabled' })]) },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: results },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('refuses a start date that is no date and a cutoff below Athena\'s minimum; follows the CSV dialect', () => {
    const stack = new Stack(testApp(), 'Catalog');
    const bucket = s3.Bucket.fromBucketName(stack, 'Exports', 'exports');
    const jobs = testJobs();
    expect(() => new ExportCatalog(stack, 'A', { exportBucket: bucket, jobs, partitionStartDate: '2020-13-45x' })).toThrow(/partitionStartDate must be a date/);
    expect(() => new ExportCatalog(stack, 'B', { exportBucket: bucket, jobs, bytesScannedCutoffPerQuery: 1024 })).toThrow(/at least 10000000 bytes/);
    const semicolons = jobs.map((j) => (j.name === PARALLEL_TEST_JOB ? { ...j, csv: { ...j.csv, delimiter: ';', header: false } } : j));
    const own = new ExportCatalog(stack, 'C', { exportBucket: bucket, jobs: semicolons, partitionStartDate: '2026-02-01', databaseName: 'exports' });
    expect(own.accessLogBucket, 'a log bucket of its own when none is given').toBeDefined();
    const table = Template.fromStack(stack).findResources('AWS::Glue::Table');
    const input = Object.values(table).map((t) => t.Properties.TableInput).find((t) => t.Name === 'orders_archive');
    expect(input.StorageDescriptor.SerdeInfo.Parameters.separatorChar).toBe(';');
    expect(input.Parameters['skip.header.line.count']).toBeUndefined();
    expect(input.Parameters['projection.dt.range']).toBe('2026-02-01,NOW');
  });
});

describe('Construct: ExportCatalog, Parquet jobs', () => {
  let parquet: Template;
  let parquetResources: Resources;
  let parquetCatalog: ExportCatalog;
  let bucket: string;
  const tableInput = (name: string) =>
    Object.values(parquetResources)
      .filter((r) => r.Type === 'AWS::Glue::Table')
      .map((r) => r.Properties.TableInput as Record<string, unknown> & { Name: string; Parameters: Record<string, unknown>; StorageDescriptor: Record<string, unknown> })
      .find((t) => t.Name === name)!;

  beforeAll(() => {
    // Prepare: the test jobs plus a Parquet table job with declared columns and a Parquet query job.
    const { stack, pipeline } = testPipeline({ jobs: [...testJobs(), ...parquetJobs()] });
    parquetCatalog = pipeline.catalog;
    parquet = Template.fromStack(stack);
    parquetResources = parquet.toJSON().Resources as Resources;
    bucket = Object.entries(parquetResources).find(([, r]) => r.Type === 'AWS::S3::Bucket' && r.Properties.VersioningConfiguration)![0];
  });

  it('gives every hive Parquet job a table, with or without declared columns, and lists them for the exporter', () => {
    expect([...parquetCatalog.tables.keys()].sort()).toEqual(['employees', 'order-lines', PARALLEL_TEST_JOB, 'revenue'].sort());
    expect(Object.fromEntries(parquetCatalog.parquetTables)).toEqual({ 'order-lines': 'order_lines', revenue: 'revenue' });
  });

  it('reads the job folder with the Parquet SerDe and formats; declared columns by name, a placeholder without', () => {
    const lines = tableInput('order_lines');
    expect(lines.StorageDescriptor).toEqual({
      Location: { 'Fn::Join': ['', ['s3://', { Ref: bucket }, '/rds_exports/order-lines/']] },
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe', Parameters: { 'serialization.format': '1' } },
      Columns: ['order_id', 'line', 'amount'].map((name) => ({ Name: name, Type: 'string', Comment: 'type set by the exporter after the first committed run' })),
    });
    expect(tableInput('revenue').StorageDescriptor.Columns).toEqual([{ Name: PENDING_COLUMN.name, Type: 'string', Comment: PENDING_COLUMN.comment }]);
    // The CSV tables are unchanged.
    expect((tableInput('orders_archive').StorageDescriptor.SerdeInfo as { SerializationLibrary: string }).SerializationLibrary).toBe('org.apache.hadoop.hive.serde2.OpenCSVSerde');
  });

  it('projects dt as the CSV tables do, with no CSV header parameter', () => {
    expect(tableInput('order_lines').Parameters).toEqual({
      EXTERNAL: 'TRUE',
      classification: 'parquet',
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': '2020-01-01,NOW',
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'DAYS',
      'storage.location.template': { 'Fn::Join': ['', ['s3://', { Ref: bucket }, '/rds_exports/order-lines/dt=${dt}/']] },
    });
    expect(tableInput('order_lines').PartitionKeys).toEqual([{ Name: 'dt', Type: 'string', Comment: 'UTC date of the run (the dt= folder)' }]);
  });

  it('tells the exporter the database and the Parquet tables, and adds a Glue endpoint allowing only the column calls on them', () => {
    const exporter = Object.values(parquetResources).find(
      (r) => r.Type === 'AWS::Lambda::Function' && (r.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.STATE_TABLE,
    )!;
    const variables = (exporter.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables.GLUE_DATABASE).toBe('testpipeline');
    expect(JSON.parse(variables.GLUE_TABLES as string)).toEqual({ 'order-lines': 'order_lines', revenue: 'revenue' });
    const glueArn = (resource: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:glue:eu-west-1:111122223333:${resource}`]] });
    parquet.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: 'com.amazonaws.eu-west-1.glue',
      VpcEndpointType: 'Interface',
      PrivateDnsEnabled: true,
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: '*' },
            Action: ['glue:GetTable', 'glue:UpdateTable'],
            Resource: [glueArn('catalog'), glueArn('database/testpipeline'), glueArn('table/testpipeline/order_lines'), glueArn('table/testpipeline/revenue')],
          },
        ],
        Version: '2012-10-17',
      },
    });
  });

  it('adds no Glue variables, grant or endpoint without Parquet jobs', () => {
    expect(catalog.parquetTables.size).toBe(0);
    expect(catalog.columnUpdateArns()).toEqual([]);
    expect(JSON.stringify(resources)).not.toContain('GLUE_TABLES');
    expect(JSON.stringify(resources)).not.toContain('glue:UpdateTable');
    expect(ofType('AWS::EC2::VPCEndpoint').map(([id]) => id).filter((id) => id.includes('Glue'))).toEqual([]);
  });
});
