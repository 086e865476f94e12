/**
 * The job state in DynamoDB (satisfies the core's StateStore port): one item per job lease
 * (`lease#<job>`) and one per job cursor (`state#<job>`), every change a conditional write.
 * Table: partition key `pk` (string), on-demand; nothing else is needed.
 *
 * The cursor is stored as its JSON text so conditions compare it exactly as a string.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CursorSchema, RdsExportError, type Cursor, type JobState, type PendingCommit } from '@rds-s3-export/shared-types';

// CURSOR is a DynamoDB reserved word; name both attributes through placeholders (DynamoDB
// refuses unused placeholders, so expressions that touch one attribute name only that one).
const NAMES = { '#cursor': 'cursor', '#pending': 'pending' };

export class StateStoreError extends RdsExportError {
  override readonly name = 'StateStoreError';
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super('storage', code, message, options);
  }
}

export class DynamoDbStateStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly options: {
      readonly client: DynamoDBClient;
      readonly tableName: string;
      /** Current time in ms (tests move it). @default Date.now */
      readonly now?: () => number;
    },
  ) {
    this.doc = DynamoDBDocumentClient.from(options.client);
  }

  async acquireLease(job: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    return this.conditional('acquiring the lease', job, () =>
      this.doc.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: { pk: `lease#${job}`, owner, expiresAt: now + ttlMs, acquiredAt: new Date(now).toISOString() },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR #owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':now': now, ':owner': owner },
        }),
      ),
    );
  }

  async releaseLease(job: string, owner: string): Promise<void> {
    await this.conditional('releasing the lease', job, () =>
      this.doc.send(
        new DeleteCommand({
          TableName: this.options.tableName,
          Key: { pk: `lease#${job}` },
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      ),
    );
  }

  async leaseOwner(job: string): Promise<string | null> {
    const result = await this.call('reading the lease', job, () =>
      this.doc.send(new GetCommand({ TableName: this.options.tableName, Key: { pk: `lease#${job}` }, ConsistentRead: true })),
    );
    const item = result.Item as { owner?: string; expiresAt?: number } | undefined;
    return item?.owner !== undefined && typeof item.expiresAt === 'number' && item.expiresAt >= this.now() ? item.owner : null;
  }

  async getState(job: string): Promise<JobState> {
    const result = await this.call('reading the state', job, () =>
      this.doc.send(new GetCommand({ TableName: this.options.tableName, Key: { pk: `state#${job}` }, ConsistentRead: true })),
    );
    const item = result.Item as { cursor?: string; lastRunId?: string; pending?: { runId: string; from: string; to: string } } | undefined;
    return {
      lastRunId: item?.lastRunId ?? null,
      cursor: parseCursor(item?.cursor),
      pending: item?.pending ? { runId: item.pending.runId, from: parseCursor(item.pending.from), to: parseCursor(item.pending.to) } : null,
    };
  }

  async beginCommit(job: string, pending: PendingCommit): Promise<boolean> {
    const from = JSON.stringify(pending.from);
    return this.conditional('recording the pending window', job, () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: `state#${job}` },
          UpdateExpression: 'SET #pending = :pending, updatedAt = :at',
          ConditionExpression:
            '(attribute_not_exists(#pending) OR #pending.runId = :runId) AND ' +
            (pending.from === null ? '(attribute_not_exists(#cursor) OR #cursor = :null)' : '#cursor = :from'),
          ExpressionAttributeNames: NAMES,
          ExpressionAttributeValues: {
            ':pending': { runId: pending.runId, from, to: JSON.stringify(pending.to) },
            ':runId': pending.runId,
            ':at': new Date(this.now()).toISOString(),
            ...(pending.from === null ? { ':null': 'null' } : { ':from': from }),
          },
        }),
      ),
    );
  }

  async finishCommit(job: string, runId: string): Promise<boolean> {
    return this.conditional('advancing the cursor', job, () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: `state#${job}` },
          UpdateExpression: 'SET #cursor = #pending.#to, lastRunId = :runId, updatedAt = :at REMOVE #pending',
          ConditionExpression: '#pending.runId = :runId',
          ExpressionAttributeNames: { ...NAMES, '#to': 'to' },
          ExpressionAttributeValues: { ':runId': runId, ':at': new Date(this.now()).toISOString() },
        }),
      ),
    );
  }

  async abandonCommit(job: string, runId: string): Promise<void> {
    await this.conditional('dropping a pending window', job, () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: `state#${job}` },
          UpdateExpression: 'REMOVE #pending',
          ConditionExpression: '#pending.runId = :runId',
          ExpressionAttributeNames: { '#pending': 'pending' },
          ExpressionAttributeValues: { ':runId': runId },
        }),
      ),
    );
  }

  async noteCommitted(job: string, runId: string): Promise<void> {
    await this.call('recording the last committed run', job, () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: `state#${job}` },
          UpdateExpression: 'SET lastRunId = :runId, updatedAt = :at',
          ExpressionAttributeValues: { ':runId': runId, ':at': new Date(this.now()).toISOString() },
        }),
      ),
    );
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Runs a conditional write: true if it applied, false if its condition did not hold. */
  private async conditional(what: string, job: string, write: () => Promise<unknown>): Promise<boolean> {
    try {
      await this.call(what, job, write);
      return true;
    } catch (error) {
      if (error instanceof StateStoreError && error.cause instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private async call<T>(what: string, job: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      const name = (error as { name?: string }).name ?? 'Error';
      throw new StateStoreError(
        name === 'ConditionalCheckFailedException' ? 'STATE_CONDITION_FAILED' : 'STATE_STORE_FAILED',
        `${what} of job "${job}" in DynamoDB table ${this.options.tableName} failed: ${name}`,
        { cause: error },
      );
    }
  }
}

/** The stored JSON text of a cursor, parsed with the shared schema (anything else reads as no cursor). */
function parseCursor(text: string | undefined): Cursor | null {
  if (!text) return null;
  const parsed = CursorSchema.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : null;
}
