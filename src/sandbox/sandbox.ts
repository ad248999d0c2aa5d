import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Environment } from '../config/config-schema.js';
import { stateDir } from '../state-dir.js';
import { copyClusterTemplate } from '../../adapters/postgres/cluster-template.js';
import { startDelayedStandby } from '../../adapters/postgres/delayed-standby.js';
import { stopAbandonedServer } from '../../adapters/postgres/embedded-server.js';
import { startLocalS3Server } from '../../adapters/s3/local-s3-server.js';
import { s3ObjectStoreFor } from '../../adapters/s3/s3-object-store.js';
import { startBackupJob, type BackupJob } from './backup-job.js';
import { startShop, type Shop } from './shop.js';

export const SANDBOX_ENVIRONMENT = 'sandbox';
const SANDBOX_PREFIX = 'firedrill-sandbox-';
const OWNER_FILE = 'owner.pid';
const SANDBOX_TEMPLATE = 'sandbox-postgres-template';
const STANDBY_DIR = 'standby';

export interface SandboxTiming {
  orderEveryMs: number;
  backupEveryMs: number;
  /** When set, a hot standby of the shop applies its changes this late (postgres.delayedReplica). */
  delayedReplicaMs?: number;
}

export interface Sandbox {
  environment: Environment;
  /** Secrets the environment refers to, kept out of the real process environment. */
  env: NodeJS.ProcessEnv;
  alertToken: string;
  shop: Shop;
  backups: BackupJob;
  stop(): Promise<void>;
}

/**
 * The demo's staging world on loopback: a shop database that keeps taking orders, an S3
 * server that its backup job writes to every few seconds. Everything lives in one temporary
 * directory that `stop` removes.
 */
export async function startSandbox(timing: SandboxTiming): Promise<Sandbox> {
  await removeAbandonedSandboxes();
  const dir = await mkdtemp(join(tmpdir(), SANDBOX_PREFIX));
  await writeFile(join(dir, OWNER_FILE), String(process.pid));
  const stops: (() => Promise<void>)[] = [() => rm(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    // initdb once, then a copy of that cluster for each demo: seconds saved on every run after the first.
    await copyClusterTemplate(join(stateDir(), SANDBOX_TEMPLATE), join(dir, 'postgres'));
    const shop = await startShop(join(dir, 'postgres'), timing.orderEveryMs);
    stops.push(() => shop.stop());
    const standby = timing.delayedReplicaMs === undefined
      ? undefined
      : await startDelayedStandby({ primary: shop.server, dataDir: join(dir, STANDBY_DIR), delayMs: timing.delayedReplicaMs });
    if (standby) stops.push(() => standby.stop());
    const s3 = await startLocalS3Server({ directory: join(dir, 's3'), buckets: ['shop-backups'] });
    stops.push(() => s3.stop());

    const env = {
      FIREDRILL_SANDBOX_DATABASE_URL: shop.url,
      FIREDRILL_SANDBOX_S3_KEY: s3.accessKeyId,
      FIREDRILL_SANDBOX_S3_SECRET: s3.secretAccessKey,
      ...(standby && { FIREDRILL_SANDBOX_REPLICA_URL: standby.url('shop') }),
    };
    const environment: Environment = {
      description: 'the demo sandbox',
      protected: false,
      allowProductionLookingNames: false,
      postgres: {
        url: { env: 'FIREDRILL_SANDBOX_DATABASE_URL' },
        allowedTables: ['public.orders'],
        ...(timing.delayedReplicaMs !== undefined && { delayedReplica: { url: { env: 'FIREDRILL_SANDBOX_REPLICA_URL' }, delay: timing.delayedReplicaMs } }),
      },
      buckets: {
        backups: {
          bucket: 'shop-backups',
          prefix: 'orders/',
          region: 'us-east-1',
          endpoint: s3.endpoint,
          forcePathStyle: true,
          accessKeyIdEnv: 'FIREDRILL_SANDBOX_S3_KEY',
          secretAccessKeyEnv: 'FIREDRILL_SANDBOX_S3_SECRET',
        },
      },
    };
    const backups = startBackupJob(shop.pool, 'public.orders', s3ObjectStoreFor(environment.buckets.backups!, env), timing.backupEveryMs);
    stops.push(() => backups.stop());
    await backups.firstBackup;
    return { environment, env, alertToken: randomBytes(24).toString('base64url'), shop, backups, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * A demo killed with SIGKILL leaves its sandbox database running and its directory behind;
 * the next demo stops and removes them. The S3 server ends by itself with its parent.
 */
async function removeAbandonedSandboxes(): Promise<void> {
  const entries = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const name of entries.filter((entry) => entry.startsWith(SANDBOX_PREFIX))) {
    const dir = join(tmpdir(), name);
    const owner = Number(await readFile(join(dir, OWNER_FILE), 'utf8').catch(() => ''));
    if (!Number.isInteger(owner) || owner <= 0 || isAlive(owner)) continue;
    await stopAbandonedServer(join(dir, STANDBY_DIR));
    await stopAbandonedServer(join(dir, 'postgres'));
    await rm(dir, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
