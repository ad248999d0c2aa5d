import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/engine/clock.js';
import type { CliContext } from '../../src/cli/context.js';
import { createLogger } from '../../src/log.js';
import type { S3ObjectStore } from '../../adapters/s3/s3-object-store.js';
import { startGpgHome, type GenerateOptions, type GpgHome } from './gpg.js';
import { startTestS3, type TestS3 } from './servers.js';

export const BUCKETS = ['primary', 'secondary', 'offsite'] as const;
export type BucketName = (typeof BUCKETS)[number];

export interface TestHolder {
  gpg: GpgHome;
  fingerprint: string;
  /** Paths relative to the world's folder, as a config writes them. */
  publicKey: string;
  secretKey: string;
}

/**
 * A circle of trust for tests: key-holders with real gpg keyrings (one GNUPGHOME each),
 * and three S3 servers on loopback, one per bucket, as at three providers.
 */
export interface TrustWorld {
  dir: string;
  holders: Record<string, TestHolder>;
  s3: Record<BucketName, TestS3>;
  env: NodeJS.ProcessEnv;
  /** The test's own view of a bucket (under `prefix`). */
  store(bucket: BucketName, prefix: string): S3ObjectStore;
  writeConfig(file: string, circle: CircleSpec): Promise<string>;
  /** Adds a holder later (a key made by gpg, exported into keys/). */
  addHolder(options: GenerateOptions): Promise<TestHolder>;
  stop(): Promise<void>;
}

export interface CircleSpec {
  holders: string[];
  threshold: number;
  prefix: string;
  buckets?: BucketName[];
  /** Extra top-level YAML (environments, store, ...). */
  extra?: string;
}

export async function startTrustWorld(holders: GenerateOptions[]): Promise<TrustWorld> {
  const dir = await mkdtemp(join(tmpdir(), 'fd-trust-'));
  await mkdir(join(dir, 'keys'));
  const started: TestS3[] = [];
  const homes: GpgHome[] = [];
  try {
    for (const name of BUCKETS) started.push(await startTestS3([`dr-${name}`]));
    const s3 = Object.fromEntries(BUCKETS.map((name, index) => [name, started[index]!])) as Record<BucketName, TestS3>;
    const world: TrustWorld = {
      dir,
      holders: {},
      s3,
      env: { TEST_S3_KEY: started[0]!.accessKeyId, TEST_S3_SECRET: started[0]!.secretAccessKey, FIREDRILL_STATE_DIR: join(dir, 'state') },
      store: (bucket, prefix) => s3[bucket].store(`dr-${bucket}`, prefix),
      async writeConfig(file, circle) {
        const path = join(dir, file);
        await writeFile(path, configYaml(world, circle));
        return path;
      },
      async addHolder(options) {
        const gpg = await startGpgHome();
        homes.push(gpg);
        const fingerprint = await gpg.generate(options);
        const holder = { gpg, fingerprint, publicKey: `keys/${options.name}.asc`, secretKey: `keys/${options.name}.secret.asc` };
        await writeFile(join(dir, holder.publicKey), await gpg.exportPublic(fingerprint));
        await writeFile(join(dir, holder.secretKey), await gpg.exportSecret(fingerprint), { mode: 0o600 });
        world.holders[options.name] = holder;
        return holder;
      },
      async stop() {
        await Promise.all([...homes.map((home) => home.stop()), ...started.map((server) => server.stop())]);
        await rm(dir, { recursive: true, force: true });
      },
    };
    await Promise.all(holders.map((options) => world.addHolder(options)));
    return world;
  } catch (error) {
    await Promise.all([...homes.map((home) => home.stop()), ...started.map((server) => server.stop())]);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

function configYaml(world: TrustWorld, circle: CircleSpec): string {
  const holders = circle.holders.map((name) => `    - name: ${name}\n      publicKey: ${world.holders[name]!.publicKey}\n`).join('');
  const buckets = (circle.buckets ?? [...BUCKETS])
    .map(
      (name) =>
        `    - name: ${name}\n      bucket: dr-${name}\n      prefix: ${circle.prefix}\n      endpoint: ${world.s3[name].endpoint}\n` +
        '      forcePathStyle: true\n      accessKeyIdEnv: TEST_S3_KEY\n      secretAccessKeyEnv: TEST_S3_SECRET\n',
    )
    .join('');
  return `${circle.extra ?? ''}trust:\n  threshold: ${circle.threshold}\n  holders:\n${holders}  buckets:\n${buckets}`;
}

/** A CLI context that keeps what the commands print. */
export function capturingContext(env: NodeJS.ProcessEnv): CliContext & { stdout(): string; stderr(): string } {
  let out = '';
  let err = '';
  return {
    env,
    log: createLogger('silent'),
    clock: systemClock(),
    out: (text) => (out += text),
    err: (text) => (err += text),
    stdout: () => out,
    stderr: () => err,
  };
}
