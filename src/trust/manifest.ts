import { createHash } from 'node:crypto';
import path from 'node:path';
import * as z from 'zod';
import type { ObjectStore } from '../storage/object-store.js';
import { errorText, readBytes, readText } from './circle.js';
import type { Pgp } from './ports.js';

/** Keys inside each trust bucket (after its prefix). */
export const MANIFEST_KEY = 'firedrill-manifest.json';
export const MANIFEST_SIGNATURE_KEY = 'firedrill-manifest.json.sig';
export const CHALLENGE_FOLDER = 'firedrill-challenges/';

/** `<basename of FILE>.asc`, as the issue and the holders' instructions name it. */
export function sealedObjectKey(file: string): string {
  return `${path.basename(file)}.asc`;
}

export function challengeKey(runId: string): string {
  return `${CHALLENGE_FOLDER}${runId}.asc`;
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

const SealedFile = z.object({
  name: z.string(),
  object: z.string(),
  /** 1 for the first seal of this name, then one more each time it is sealed again. */
  version: z.number().int().positive(),
  sealedAt: z.string(),
  /** Of the plaintext: a holder can check what they decrypted. */
  size: z.number().int().nonnegative(),
  sha256: z.string(),
  /** Of the armoured object in the bucket: verify checks it without any private key. */
  objectSha256: z.string(),
  /** `keyId` is the (sub)key encrypted to: how a recipient of the object is named later, after it left the circle. */
  recipients: z.array(z.object({ holder: z.string(), fingerprint: z.string(), keyId: z.string() })),
});
export type SealedFile = z.infer<typeof SealedFile>;

export const Manifest = z.object({
  format: z.literal(1),
  /** Grows with every seal: when buckets disagree, the highest is the latest. */
  sequence: z.number().int().positive(),
  sealedAt: z.string(),
  signer: z.object({ fingerprint: z.string(), publicKey: z.string() }),
  holders: z.array(z.object({ name: z.string(), fingerprint: z.string() })),
  files: z.array(SealedFile),
});
export type Manifest = z.infer<typeof Manifest>;

export type ManifestRead =
  | { state: 'ok'; manifest: Manifest; signedBy: string }
  | { state: 'missing' }
  | { state: 'unreachable'; reason: string }
  | { state: 'invalid'; reason: string };

export function manifestBytes(manifest: Manifest): Buffer {
  return Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * Reads and checks one bucket's manifest. The signature is checked against the key the
 * manifest names; whether that is firedrill's own key is the caller's question.
 */
export async function readManifest(store: ObjectStore, pgp: Pgp): Promise<ManifestRead> {
  let keys: Set<string>;
  try {
    keys = new Set((await store.list(MANIFEST_KEY)).map((object) => object.key));
  } catch (error) {
    return { state: 'unreachable', reason: errorText(error) };
  }
  if (!keys.has(MANIFEST_KEY)) return { state: 'missing' };
  if (!keys.has(MANIFEST_SIGNATURE_KEY)) return { state: 'invalid', reason: `${MANIFEST_SIGNATURE_KEY} is missing` };
  let bytes: Buffer;
  let signature: string;
  try {
    [bytes, signature] = await Promise.all([readBytes(store, MANIFEST_KEY), readText(store, MANIFEST_SIGNATURE_KEY)]);
  } catch (error) {
    return { state: 'unreachable', reason: errorText(error) };
  }
  let manifest: Manifest;
  try {
    manifest = Manifest.parse(JSON.parse(bytes.toString('utf8')));
  } catch {
    return { state: 'invalid', reason: `${MANIFEST_KEY} is not a firedrill manifest (damaged?)` };
  }
  const check = await pgp.verifyDetached(bytes, signature, manifest.signer.publicKey);
  if (!check.ok || check.fingerprint !== manifest.signer.fingerprint) {
    return { state: 'invalid', reason: `${MANIFEST_KEY} does not match its signature: damaged, or changed after sealing` };
  }
  return { state: 'ok', manifest, signedBy: check.fingerprint };
}

/** The latest manifest among those read: the highest sequence. */
export function latestManifest(reads: readonly ManifestRead[]): Manifest | undefined {
  let latest: Manifest | undefined;
  for (const read of reads) {
    if (read.state === 'ok' && (!latest || read.manifest.sequence > latest.sequence)) latest = read.manifest;
  }
  return latest;
}
