import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDynamoClientConfig, startDynamo, type LocalDynamo } from './local-dynamo.js';

/**
 * The DynamoDB JSON protocol spoken directly (no @aws-sdk/client-dynamodb in this workspace yet).
 * dynalite needs an AWS4 Authorization header but does not verify the signature.
 */
async function dynamo<T>(endpoint: string, operation: string, body: unknown): Promise<{ status: number; json: T }> {
  const { accessKeyId } = localDynamoClientConfig(endpoint).credentials;
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${operation}`,
      'x-amz-date': new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, ''),
      authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=00`,
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as T };
}

describe('startDynamo (dynalite)', () => {
  let local: LocalDynamo;

  beforeAll(async () => {
    local = await startDynamo();
  });

  afterAll(async () => {
    await local?.stop();
  });

  it('creates a table that is immediately usable, then puts and gets an item', async () => {
    expect(local.endpoint).toBe(`http://127.0.0.1:${local.port}`);
    const created = await dynamo<{ TableDescription: { TableName: string } }>(local.endpoint, 'CreateTable', {
      TableName: 'export-state',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    expect(created.status).toBe(200);
    expect(created.json.TableDescription.TableName).toBe('export-state');

    const put = await dynamo(local.endpoint, 'PutItem', {
      TableName: 'export-state',
      Item: { pk: { S: 'lease#employees' }, owner: { S: 'run-1' }, expiresAt: { N: '1767225600000' } },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(put.status).toBe(200);

    const got = await dynamo<{ Item: unknown }>(local.endpoint, 'GetItem', { TableName: 'export-state', Key: { pk: { S: 'lease#employees' } }, ConsistentRead: true });
    expect(got).toEqual({ status: 200, json: { Item: { pk: { S: 'lease#employees' }, owner: { S: 'run-1' }, expiresAt: { N: '1767225600000' } } } });

    const again = await dynamo<{ __type: string }>(local.endpoint, 'PutItem', {
      TableName: 'export-state',
      Item: { pk: { S: 'lease#employees' }, owner: { S: 'run-2' } },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(again.status).toBe(400);
    expect(again.json.__type).toBe('com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException');
  });

  it('stops idempotently and then refuses connections', async () => {
    const other = await startDynamo();
    await Promise.all([other.stop(), other.stop()]);
    await other.stop();
    await expect(fetch(other.endpoint, { method: 'POST' })).rejects.toThrow();
  });
});
