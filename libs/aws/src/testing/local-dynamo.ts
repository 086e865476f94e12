/**
 * An in-memory DynamoDB (dynalite on LevelDB's memory-level backend) on 127.0.0.1.
 * Tables are ACTIVE as soon as CreateTable returns (createTableMs etc. are 0), so tests need no
 * waiters. dynalite accepts any credentials and does not verify request signatures, so it
 * answers only Host 127.0.0.1 / localhost (see host-guard.ts).
 */
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import { guardLoopbackHost } from './host-guard.js';

export interface StartDynamoOptions {
  /** TCP port on 127.0.0.1. @default 0 (a random free port) */
  readonly port?: number;
}

export interface LocalDynamo {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  readonly port: number;
  /** Closes the server and its in-memory store. Idempotent. */
  stop(): Promise<void>;
}

/** What a DynamoDBClient needs to talk to dynalite. */
export interface LocalDynamoClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export function localDynamoClientConfig(endpoint: string): LocalDynamoClientConfig {
  return { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'DYNALITE', secretAccessKey: 'DYNALITE' } };
}

type DynaliteFactory = (options: Record<string, unknown>) => Server;
const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as DynaliteFactory;

export async function startDynamo(options: StartDynamoOptions = {}): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  guardLoopbackHost(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('local dynamo: server has no TCP address');
  const port = address.port;

  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop() {
      stopping ??= new Promise<void>((resolve, reject) => {
        // dynalite's close() also closes the LevelDB store; drop idle keep-alive sockets first.
        server.close((error?: Error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}
