import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { errorText, type Circle } from './circle.js';
import { keyFindings } from './findings.js';
import {
  latestManifest,
  manifestBytes,
  MANIFEST_KEY,
  MANIFEST_SIGNATURE_KEY,
  readManifest,
  sealedObjectKey,
  sha256,
  type Manifest,
  type SealedFile,
} from './manifest.js';
import type { SignerSource } from './ports.js';

export interface SealResult {
  sequence: number;
  signer: string;
  files: SealedFile[];
  buckets: string[];
  /** Things the person should know that did not stop the seal. */
  warnings: string[];
}

/**
 * Encrypts each file to every holder, ASCII-armoured, and puts it in every bucket, then a
 * signed manifest. Nothing is uploaded unless every bucket is reachable and every key can
 * be encrypted to; the manifest goes last, so it never names an object not yet there.
 */
export async function sealFiles(circle: Circle, signers: SignerSource, files: readonly string[], now: Date): Promise<SealResult> {
  refuseUnusableKeys(circle, now);
  const contents = await readInputs(files);
  const reads = await Promise.all(circle.buckets.map(async (bucket) => ({ bucket, read: await readManifest(bucket.store, circle.pgp) })));
  const unreachable = reads.filter(({ read }) => read.state === 'unreachable');
  if (unreachable.length) {
    throw new UserError(
      `nothing sealed: ${unreachable.length} bucket(s) cannot be reached:\n${unreachable
        .map(({ bucket, read }) => `  ${bucket.name}: ${read.state === 'unreachable' ? read.reason : ''}`)
        .join('\n')}`,
      `fix them (or remove them from trust.buckets in ${circle.configPath}), then seal again`,
    );
  }
  const signer = await signers.obtain();
  const previous = latestManifest(reads.map(({ read }) => read));
  const warnings = reads.flatMap(({ bucket, read }) => (read.state === 'invalid' ? [`bucket ${bucket.name}: ${read.reason}; it is replaced`] : []));
  if (previous && previous.signer.fingerprint !== signer.fingerprint) {
    warnings.push(`the previous manifest was signed by ${previous.signer.fingerprint}; this one is signed by ${signer.fingerprint} (another machine's state directory?)`);
  }

  const sealedAt = now.toISOString();
  const recipients = circle.holders.map((holder) => ({
    holder: holder.name,
    fingerprint: holder.key.fingerprint,
    keyId: holder.key.encryption?.keyId ?? '',
  }));
  const sealed: { entry: SealedFile; armored: string }[] = [];
  for (const { file, data } of contents) {
    const name = path.basename(file);
    const armored = await circle.pgp.encrypt(data, circle.holders.map((holder) => holder.key.armored), { filename: name, at: now });
    const version = (previous?.files.find((entry) => entry.name === name)?.version ?? 0) + 1;
    sealed.push({
      armored,
      entry: { name, object: sealedObjectKey(file), version, sealedAt, size: data.length, sha256: sha256(data), objectSha256: sha256(armored), recipients },
    });
  }
  const kept = (previous?.files ?? []).filter((entry) => !sealed.some((item) => item.entry.name === entry.name));
  const manifest: Manifest = {
    format: 1,
    sequence: (previous?.sequence ?? 0) + 1,
    sealedAt,
    signer: { fingerprint: signer.fingerprint, publicKey: signer.publicKey },
    holders: recipients.map(({ holder, fingerprint }) => ({ name: holder, fingerprint })),
    files: [...kept, ...sealed.map((item) => item.entry)].sort((a, b) => a.name.localeCompare(b.name)),
  };
  const bytes = manifestBytes(manifest);
  const signature = await signer.sign(bytes);

  const failures: string[] = [];
  await Promise.all(
    circle.buckets.map(async (bucket) => {
      try {
        for (const item of sealed) await bucket.store.put(item.entry.object, item.armored);
        await bucket.store.put(MANIFEST_KEY, bytes);
        await bucket.store.put(MANIFEST_SIGNATURE_KEY, signature);
      } catch (error) {
        failures.push(`  ${bucket.name}: ${errorText(error)}`);
      }
    }),
  );
  if (failures.length) {
    throw new UserError(`the upload failed in ${failures.length} bucket(s):\n${failures.join('\n')}`, 'seal the same files again once the bucket is reachable');
  }
  return { sequence: manifest.sequence, signer: signer.fingerprint, files: sealed.map((item) => item.entry), buckets: circle.buckets.map((bucket) => bucket.name), warnings };
}

function refuseUnusableKeys(circle: Circle, now: Date): void {
  // A weak or soon-expiring key still works: `trust verify` reports it. These do not.
  const unusable = circle.holders.filter((holder) => holder.key.revoked || !holder.key.encryption?.usable);
  const lines = unusable.flatMap((holder) =>
    keyFindings(holder, now)
      .filter((finding) => finding.severity === 'error')
      .map((finding) => `  ${finding.subject}: ${finding.message}${finding.fix ? `\n    fix: ${finding.fix}` : ''}`),
  );
  if (lines.length) {
    throw new UserError(`nothing sealed: some keys cannot be encrypted to:\n${lines.join('\n')}`, `fix the keys in ${circle.configPath}, then seal again`);
  }
}

async function readInputs(files: readonly string[]): Promise<{ file: string; data: Buffer }[]> {
  if (files.length === 0) throw new UserError('no files to seal', 'give the files: firedrill trust seal FILE...');
  const problems: string[] = [];
  const seen = new Map<string, string>();
  const contents: { file: string; data: Buffer }[] = [];
  for (const file of files) {
    const name = path.basename(file);
    const other = seen.get(name);
    if (other !== undefined) problems.push(`  ${file} and ${other} would both be sealed as ${sealedObjectKey(file)}`);
    seen.set(name, file);
    try {
      contents.push({ file, data: await readFile(file) });
    } catch (error) {
      problems.push(`  ${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? errorText(error)})`);
    }
  }
  if (problems.length) throw new UserError(`nothing sealed:\n${problems.join('\n')}`, 'rename or fix the files, then seal again');
  return contents;
}
