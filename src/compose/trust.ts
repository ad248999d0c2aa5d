import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Trust } from '../trust/trust-schema.js';
import { stateDir } from '../state-dir.js';
import { openCircle, type Circle } from '../trust/circle.js';
import type { Pgp, SignerSource } from '../trust/ports.js';
import { openpgpPgp } from '../../adapters/pgp/openpgp-pgp.js';
import { fileSignerSource } from '../../adapters/pgp/signing-key.js';
import { S3ObjectStore, s3ClientFor } from '../../adapters/s3/s3-object-store.js';

export interface TrustWhere {
  configPath: string;
  configDir: string;
  env: NodeJS.ProcessEnv;
}

export interface OpenedCircle {
  circle: Circle;
  /** Closes the S3 clients, so that no idle connection keeps the process alive. */
  close(): void;
}

export function trustPgp(): Pgp {
  return openpgpPgp();
}

/** firedrill's manifest-signing key lives in `<state dir>/trust/`. */
export function manifestSigners(env: NodeJS.ProcessEnv): SignerSource {
  return fileSignerSource(join(stateDir(env), 'trust'));
}

/** The configured circle with openpgp and one S3 client per bucket; `at` judges key validity. */
export async function openConfiguredCircle(trust: Trust | undefined, where: TrustWhere, at: Date = new Date()): Promise<OpenedCircle> {
  const clients: S3Client[] = [];
  const close = () => clients.forEach((client) => client.destroy());
  try {
    const circle = await openCircle({
      trust,
      configPath: where.configPath,
      configDir: where.configDir,
      pgp: trustPgp(),
      at,
      storeFor: (bucket) => {
        const client = s3ClientFor(bucket, where.env);
        clients.push(client);
        return new S3ObjectStore(client, bucket.bucket, bucket.prefix);
      },
    });
    return { circle, close };
  } catch (error) {
    close();
    throw error;
  }
}
