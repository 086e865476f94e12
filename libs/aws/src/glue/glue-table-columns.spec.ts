import { GetTableCommand, GlueClient, UpdateTableCommand, type Table } from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { GlueCatalogError } from '../errors.js';
import { glueColumnsFor, GlueTableColumns } from './glue-table-columns.js';

const glue = mockClient(GlueClient);
const client = new GlueClient({ region: 'eu-west-1' });
const ref = { databaseName: 'rdss3export_dev', tableName: 'orders' };
const location = 's3://exports-bucket/rds_exports/orders/';

/** The table as the stack creates it (placeholder column), as GetTable returns it. */
const stackTable = (columns = [{ Name: 'id', Type: 'string' }, { Name: 'total', Type: 'string' }]): Table => ({
  Name: 'orders',
  DatabaseName: 'rdss3export_dev',
  CatalogId: '123456789012',
  CreateTime: new Date('2026-01-01T00:00:00Z'),
  UpdateTime: new Date('2026-01-02T00:00:00Z'),
  CreatedBy: 'arn:aws:sts::123456789012:assumed-role/cfn',
  IsRegisteredWithLakeFormation: false,
  VersionId: '3',
  Description: 'rds-s3-export job "orders" (shop.orders); Parquet',
  TableType: 'EXTERNAL_TABLE',
  Parameters: {
    EXTERNAL: 'TRUE',
    classification: 'parquet',
    'projection.enabled': 'true',
    'projection.dt.type': 'date',
    'projection.dt.range': '2020-01-01,NOW',
    'storage.location.template': `${location}dt=\${dt}/`,
  },
  PartitionKeys: [{ Name: 'dt', Type: 'string', Comment: 'UTC date of the run (the dt= folder)' }],
  StorageDescriptor: {
    Location: location,
    InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
    OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
    SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe', Parameters: { 'serialization.format': '1' } },
    Columns: columns,
  },
});

const runColumns = [
  { name: 'Id', sourceType: 'bigint(20) unsigned', kind: 'number' as const },
  { name: 'total', sourceType: 'decimal(12,2)', kind: 'number' as const },
  { name: 'created_at', sourceType: 'timestamp', kind: 'temporal' as const },
  { name: 'note', sourceType: 'varchar(200)', kind: 'text' as const },
  { name: 'photo', sourceType: 'blob', kind: 'binary' as const },
];

afterEach(() => glue.reset());

describe('glueColumnsFor', () => {
  it('gives each column its typed Glue type, names in lowercase', () => {
    expect(glueColumnsFor('mariadb', runColumns)).toEqual([
      { name: 'id', type: 'decimal(20,0)' },
      { name: 'total', type: 'decimal(12,2)' },
      { name: 'created_at', type: 'timestamp' },
      { name: 'note', type: 'string' },
      { name: 'photo', type: 'binary' },
    ]);
    expect(glueColumnsFor('postgres', [{ name: 'n', sourceType: 'numeric', kind: 'number' }, { name: 'ok', sourceType: 'boolean', kind: 'boolean' }])).toEqual([
      { name: 'n', type: 'string' },
      { name: 'ok', type: 'boolean' },
    ]);
  });

  it('refuses a column named dt and names equal in lowercase', () => {
    expect(() => glueColumnsFor('postgres', [{ name: 'DT', sourceType: 'date', kind: 'temporal' }])).toThrow(/partition column/);
    expect(() => glueColumnsFor('postgres', [{ name: 'a', sourceType: 'text' }, { name: 'A', sourceType: 'text' }])).toThrow(/"a" in lowercase/);
  });
});

describe('Class: GlueTableColumns', () => {
  it('replaces the columns and keeps location, SerDe, formats, partition keys and parameters', async () => {
    // Prepare
    const table = stackTable();
    glue.on(GetTableCommand).resolves({ Table: table });
    glue.on(UpdateTableCommand).resolves({});

    // Act
    const outcome = await new GlueTableColumns({ client }).sync(ref, 'mariadb', runColumns);

    // Assess
    expect(glue.commandCalls(GetTableCommand)[0]!.args[0].input).toEqual({ DatabaseName: 'rdss3export_dev', Name: 'orders' });
    const calls = glue.commandCalls(UpdateTableCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      DatabaseName: 'rdss3export_dev',
      VersionId: '3',
      TableInput: {
        Name: 'orders',
        Description: table.Description,
        TableType: 'EXTERNAL_TABLE',
        Parameters: table.Parameters,
        PartitionKeys: table.PartitionKeys,
        StorageDescriptor: {
          ...table.StorageDescriptor,
          Columns: [
            { Name: 'id', Type: 'decimal(20,0)' },
            { Name: 'total', Type: 'decimal(12,2)' },
            { Name: 'created_at', Type: 'timestamp' },
            { Name: 'note', Type: 'string' },
            { Name: 'photo', Type: 'binary' },
          ],
        },
      },
    });
    expect(outcome).toEqual({
      status: 'updated',
      previous: [{ name: 'id', type: 'string' }, { name: 'total', type: 'string' }],
      columns: glueColumnsFor('mariadb', runColumns),
    });
  });

  it('does not update a table whose columns already match (names compared case-insensitively)', async () => {
    glue.on(GetTableCommand).resolves({ Table: stackTable([{ Name: 'ID', Type: 'bigint' }, { Name: 'label', Type: 'string' }]) });
    const outcome = await new GlueTableColumns({ client }).sync(ref, 'postgres', [
      { name: 'id', sourceType: 'bigint', kind: 'number' },
      { name: 'label', sourceType: 'text', kind: 'text' },
    ]);
    expect(outcome).toEqual({ status: 'unchanged' });
    expect(glue.commandCalls(UpdateTableCommand)).toHaveLength(0);
  });

  it('updates when only a type or the order changed', async () => {
    glue.on(GetTableCommand).resolves({ Table: stackTable([{ Name: 'id', Type: 'int' }, { Name: 'label', Type: 'string' }]) });
    glue.on(UpdateTableCommand).resolves({});
    await new GlueTableColumns({ client }).sync(ref, 'postgres', [
      { name: 'id', sourceType: 'bigint', kind: 'number' },
      { name: 'label', sourceType: 'text', kind: 'text' },
    ]);
    glue.on(GetTableCommand).resolves({ Table: stackTable([{ Name: 'label', Type: 'string' }, { Name: 'id', Type: 'bigint' }]) });
    await new GlueTableColumns({ client }).sync(ref, 'postgres', [
      { name: 'id', sourceType: 'bigint', kind: 'number' },
      { name: 'label', sourceType: 'text', kind: 'text' },
    ]);
    expect(glue.commandCalls(UpdateTableCommand).map((c) => c.args[0].input.TableInput?.StorageDescriptor?.Columns)).toEqual([
      [{ Name: 'id', Type: 'bigint' }, { Name: 'label', Type: 'string' }],
      [{ Name: 'id', Type: 'bigint' }, { Name: 'label', Type: 'string' }],
    ]);
  });

  it('passes the catalog id when given', async () => {
    glue.on(GetTableCommand).resolves({ Table: stackTable() });
    glue.on(UpdateTableCommand).resolves({});
    await new GlueTableColumns({ client }).sync({ ...ref, catalogId: '123456789012' }, 'postgres', [{ name: 'id', sourceType: 'integer', kind: 'number' }]);
    expect(glue.commandCalls(GetTableCommand)[0]!.args[0].input.CatalogId).toBe('123456789012');
    expect(glue.commandCalls(UpdateTableCommand)[0]!.args[0].input.CatalogId).toBe('123456789012');
  });

  it.each([
    ['EntityNotFoundException', 'GetTable', 'config', 'GLUE_TABLE_NOT_FOUND'],
    ['AccessDeniedException', 'GetTable', 'auth', 'GLUE_ACCESS_DENIED'],
    ['AccessDeniedException', 'UpdateTable', 'auth', 'GLUE_ACCESS_DENIED'],
    ['ConcurrentModificationException', 'UpdateTable', 'storage', 'GLUE_CONCURRENT_UPDATE'],
    ['InternalServiceException', 'UpdateTable', 'storage', 'GLUE_UPDATE_FAILED'],
    ['TimeoutError', 'GetTable', 'network', 'GLUE_UNREACHABLE'],
  ])('classifies %s from %s as %s %s, naming the table', async (name, operation, errorClass, code) => {
    const failure = Object.assign(new Error('refused'), { name });
    if (operation === 'GetTable') glue.on(GetTableCommand).rejects(failure);
    else {
      glue.on(GetTableCommand).resolves({ Table: stackTable() });
      glue.on(UpdateTableCommand).rejects(failure);
    }
    const error = await new GlueTableColumns({ client }).sync(ref, 'postgres', [{ name: 'id', sourceType: 'integer', kind: 'number' }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GlueCatalogError);
    expect(error).toMatchObject({ errorClass, code });
    expect((error as Error).message).toContain(`Glue table rdss3export_dev.orders: ${operation} failed (${name}`);
  });

  it('refuses unusable columns before calling Glue', async () => {
    const error = await new GlueTableColumns({ client }).sync(ref, 'postgres', [{ name: 'dt', sourceType: 'date', kind: 'temporal' }]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'GLUE_COLUMNS_UNUSABLE' });
    expect(glue.calls()).toHaveLength(0);
  });
});
