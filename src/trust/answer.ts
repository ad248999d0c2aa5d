import { UserError } from '../errors.js';
import { errorText, holdersAmong, readText, type Circle, type Holder } from './circle.js';
import { parseChallenge } from './challenge.js';
import { challengeKey } from './manifest.js';

export interface HolderKey {
  /** Armoured private key: read from the holder's own file, used here, never stored or sent. */
  armored: string;
  passphrase: string | undefined;
}

export interface FetchedChallenge {
  holder: Holder;
  /** The bucket the challenge was fetched from: the drill measures which one people use. */
  bucket: string;
  code: string;
  /** Buckets tried before, and why they did not serve it. */
  skipped: string[];
}

/** Which holder of the circle a private key belongs to. */
export async function holderForKey(circle: Circle, key: HolderKey): Promise<Holder> {
  const info = await circle.pgp.readPrivateKey(key.armored);
  const holder = circle.holders.find((candidate) => candidate.key.fingerprint === info.fingerprint);
  if (!holder) {
    throw new UserError(
      `the private key ${info.fingerprint} belongs to no key-holder in trust.holders of ${circle.configPath}`,
      `holders: ${circle.holders.map((item) => `${item.name} (${item.key.fingerprint})`).join(', ')}`,
    );
  }
  return holder;
}

/**
 * A holder's side of the drill, on the holder's machine: fetch the challenge from the first
 * bucket that has it (the preferred one first), decrypt it with their own key, read the code.
 */
export async function fetchChallenge(circle: Circle, runId: string, key: HolderKey, preferBucket?: string): Promise<FetchedChallenge> {
  const holder = await holderForKey(circle, key);
  const objectKey = challengeKey(runId);
  const ordered = [...circle.buckets].sort((a, b) => Number(b.name === preferBucket) - Number(a.name === preferBucket));
  if (preferBucket && !circle.buckets.some((bucket) => bucket.name === preferBucket)) {
    throw new UserError(`no trust bucket "${preferBucket}" in ${circle.configPath}`, `buckets: ${circle.buckets.map((bucket) => bucket.name).join(', ')}`);
  }
  const skipped: string[] = [];
  for (const bucket of ordered) {
    let armored: string;
    try {
      if (!(await bucket.store.list(objectKey)).some((object) => object.key === objectKey)) {
        skipped.push(`${bucket.name}: no challenge for this run`);
        continue;
      }
      armored = await readText(bucket.store, objectKey);
    } catch (error) {
      skipped.push(`${bucket.name}: ${errorText(error)}`);
      continue;
    }
    const recipients = holdersAmong(await circle.pgp.recipientKeyIds(armored), circle.holders);
    if (!recipients.includes(holder)) {
      throw new UserError(
        `the challenge of run ${runId} is not encrypted to ${holder.name}: in this drill ${holder.name} is the key-holder declared unavailable`,
        `leave it to ${recipients.map((item) => item.name).join(', ') || 'the others'}`,
      );
    }
    const text = Buffer.from(await circle.pgp.decrypt(armored, key.armored, key.passphrase)).toString('utf8');
    const challenge = parseChallenge(text);
    if (!challenge || challenge.runId !== runId) {
      skipped.push(`${bucket.name}: the object is not the challenge of run ${runId}`);
      continue;
    }
    return { holder, bucket: bucket.name, code: challenge.code, skipped };
  }
  throw new UserError(`no bucket holds the challenge of run ${runId}:\n${skipped.map((line) => `  ${line}`).join('\n')}`, 'is the drill still running? firedrill scorecards lists runs');
}
