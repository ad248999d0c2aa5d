import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { startEmbeddedServer } from '../../adapters/postgres/embedded-server.js';
import { startLocalS3Server } from '../../adapters/s3/local-s3-server.js';
import { S3ObjectStore, s3ClientFor } from '../../adapters/s3/s3-object-store.js';

export interface TestPostgres {
  /** Connection string for a database on the server (default: postgres). */
  url(database?: string): string;
  createDatabase(name: string): Promise<void>;
  /** Stops the server and removes its data directory. */
  stop(): Promise<void>;
}

/** A real PostgreSQL on 127.0.0.1, in a fresh temporary directory. */
export async function startTestPostgres(): Promise<TestPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'firedrill-pg-'));
  try {
    // Thrown away after the test: fsync off keeps the suite quick.
    const server = await startEmbeddedServer({ dataDir: dir, durable: false });
    return {
      url: (database) => server.url(database),
      createDatabase: (name) => server.createDatabase(name),
      async stop() {
        try {
          await untilClientsLeave(server.url());
          await server.stop();
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * A pool's `end()` resolves before its connections have closed; a server stopped at that moment
 * tells each one it is terminating, and the client, no longer the pool's, throws that where no
 * test can catch it. So the server is stopped once the clients have gone (1 s at most: a test
 * that leaves a connection open on purpose still stops).
 */
async function untilClientsLeave(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const deadline = Date.now() + 1_000;
    while (Date.now() < deadline) {
      const { rows } = await client.query<{ others: number }>(
        "select count(*)::int as others from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()",
      );
      if (rows[0]!.others === 0) return;
      await sleep(20);
    }
  } catch {
    // A server that cannot answer is stopped all the same.
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface TestS3 {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** A client with the server's credentials, path-style, on loopback. */
  client(): S3Client;
  /** A store on `bucket` (which need not exist), under `prefix`. */
  store(bucket: string, prefix?: string): S3ObjectStore;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** A local S3 server (s3rver) on 127.0.0.1 with `buckets` created, in a fresh temporary directory. */
export async function startTestS3(buckets: string[]): Promise<TestS3> {
  const dir = await mkdtemp(join(tmpdir(), 'firedrill-s3-'));
  let server;
  try {
    server = await startLocalS3Server({ directory: dir, buckets });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const { endpoint, accessKeyId, secretAccessKey } = server;
  const clients: S3Client[] = [];
  const client = () => {
    const created = s3ClientFor(
      {
        bucket: 'unused',
        prefix: '',
        region: 'us-east-1',
        endpoint,
        forcePathStyle: true,
        accessKeyIdEnv: 'TEST_S3_ACCESS_KEY_ID',
        secretAccessKeyEnv: 'TEST_S3_SECRET_ACCESS_KEY',
      },
      { TEST_S3_ACCESS_KEY_ID: accessKeyId, TEST_S3_SECRET_ACCESS_KEY: secretAccessKey },
    );
    clients.push(created);
    return created;
  };
  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    client,
    store: (bucket, prefix = '') => new S3ObjectStore(client(), bucket, prefix),
    async stop() {
      for (const created of clients) created.destroy();
      try {
        await server.stop();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
