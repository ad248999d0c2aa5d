import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Trust, TrustBucket, TrustHolder } from './trust-schema.js';
import { UserError } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { Pgp, PublicKeyInfo } from './ports.js';

export interface Holder {
  name: string;
  config: TrustHolder;
  key: PublicKeyInfo;
}

export interface CircleBucket {
  name: string;
  spec: TrustBucket;
  store: ObjectStore;
}

/** The configured circle, its public keys read: what seal, verify and the drill work on. */
export interface Circle {
  threshold: number;
  holders: Holder[];
  buckets: CircleBucket[];
  pgp: Pgp;
  /** For messages: the config file the circle comes from. */
  configPath: string;
}

export interface CircleSource {
  trust: Trust | undefined;
  configPath: string;
  configDir: string;
  pgp: Pgp;
  storeFor(bucket: TrustBucket): ObjectStore;
  /** When key validity is judged (expiry, revocation). */
  at: Date;
}

/** Reads every holder's public key; all unreadable keys are reported at once. */
export async function openCircle(source: CircleSource): Promise<Circle> {
  const { trust, configPath } = source;
  if (!trust) {
    throw new UserError(
      `${configPath} has no trust: section`,
      'add one with threshold, holders (name, publicKey) and buckets; drills.example.yaml documents it',
    );
  }
  const problems: string[] = [];
  const holders: Holder[] = [];
  for (const [index, holder] of trust.holders.entries()) {
    const file = path.resolve(source.configDir, holder.publicKey);
    try {
      const armored = await readFile(file, 'utf8');
      holders.push({ name: holder.name, config: holder, key: await source.pgp.readPublicKey(armored, source.at) });
    } catch (error) {
      const reason =
        (error as NodeJS.ErrnoException).code !== undefined
          ? `cannot read ${holder.publicKey} (${(error as NodeJS.ErrnoException).code}, looked at ${file})`
          : `${holder.publicKey} is not an armoured OpenPGP public key (${error instanceof Error ? error.message : String(error)})`;
      problems.push(`${configPath}: trust.holders[${index}] (${holder.name}): ${reason}`);
    }
  }
  if (problems.length) {
    throw new UserError(
      `the circle of trust's public keys cannot all be read:\n${problems.join('\n')}`,
      'publicKey paths are relative to the config file; export a key with: gpg --armor --export <fingerprint> > keys/NAME.asc',
    );
  }
  const buckets = trust.buckets.map((spec) => ({ name: spec.name, spec, store: source.storeFor(spec) }));
  return { threshold: trust.threshold, holders, buckets, pgp: source.pgp, configPath };
}

/** The holders whose key (or a subkey of it) is among a message's recipients. */
export function holdersAmong(recipientKeyIds: readonly string[], holders: readonly Holder[]): Holder[] {
  const recipients = new Set(recipientKeyIds.map((id) => id.toLowerCase()));
  return holders.filter((holder) => holder.key.keyIds.some((id) => recipients.has(id)));
}

/** Recipient key ids that belong to no holder of the circle. */
export function strangerKeyIds(recipientKeyIds: readonly string[], holders: readonly Holder[]): string[] {
  const known = new Set(holders.flatMap((holder) => holder.key.keyIds));
  return recipientKeyIds.filter((id) => !known.has(id.toLowerCase()));
}

export async function readText(store: ObjectStore, key: string): Promise<string> {
  return (await readBytes(store, key)).toString('utf8');
}

export async function readBytes(store: ObjectStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(key)) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
