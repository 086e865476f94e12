/**
 * The state store against dynalite (a real DynamoDB protocol server): leases exclude each
 * other and expire, and the cursor only moves through beginCommit -> finishCommit with the
 * conditions holding.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDynamoClientConfig, startDynamo, type LocalDynamo } from '../testing/index.js';
import { DynamoDbStateStore } from './dynamodb-state-store.js';
import { ensureStateTable } from './state-table.js';

let dynamo: LocalDynamo;
let client: DynamoDBClient;
let now = 1_000_000;
let store: DynamoDbStateStore;

beforeAll(async () => {
  dynamo = await startDynamo();
  client = new DynamoDBClient(localDynamoClientConfig(dynamo.endpoint));
  await ensureStateTable(client, 'state');
  store = new DynamoDbStateStore({ client, tableName: 'state', now: () => now });
});

afterAll(async () => {
  client?.destroy();
  await dynamo?.stop();
});

describe('Class: DynamoDbStateStore', () => {
  it('gives the lease to one owner until it is released or expires', async () => {
    expect(await store.acquireLease('j1', 'a', 60_000)).toBe(true);
    expect(await store.acquireLease('j1', 'b', 60_000)).toBe(false);
    expect(await store.acquireLease('j1', 'a', 60_000)).toBe(true); // re-entrant for its owner
    await store.releaseLease('j1', 'b'); // not b's: no effect
    expect(await store.acquireLease('j1', 'b', 60_000)).toBe(false);
    now += 60_001; // a's run crashed; its lease expired
    expect(await store.acquireLease('j1', 'b', 60_000)).toBe(true);
    await store.releaseLease('j1', 'b');
    expect(await store.acquireLease('j1', 'c', 60_000)).toBe(true);
  });

  it('moves the cursor only through a recorded pending window', async () => {
    const c1 = { value: '2026-01-01 00:00:00', key: '7' };
    const c2 = { value: '2026-01-01 00:05:00', key: '3' };
    expect(await store.getState('j2')).toEqual({ cursor: null, pending: null, lastRunId: null });

    expect(await store.beginCommit('j2', { runId: 'r1', from: null, to: c1 })).toBe(true);
    expect(await store.getState('j2')).toEqual({ cursor: null, pending: { runId: 'r1', from: null, to: c1 }, lastRunId: null });
    expect(await store.beginCommit('j2', { runId: 'r2', from: null, to: c2 })).toBe(false); // r1 is pending
    expect(await store.finishCommit('j2', 'r2')).toBe(false);
    expect(await store.finishCommit('j2', 'r1')).toBe(true);
    expect(await store.getState('j2')).toMatchObject({ cursor: c1, pending: null, lastRunId: 'r1' });
    expect(await store.finishCommit('j2', 'r1')).toBe(false); // advances once

    expect(await store.beginCommit('j2', { runId: 'r2', from: null, to: c2 })).toBe(false); // stale "from"
    expect(await store.beginCommit('j2', { runId: 'r2', from: c1, to: c2 })).toBe(true);
    await store.abandonCommit('j2', 'r2');
    expect(await store.getState('j2')).toMatchObject({ cursor: c1, pending: null, lastRunId: 'r1' });
  });
});
