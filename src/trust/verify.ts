import { errorText, holdersAmong, readText, strangerKeyIds, type Circle, type CircleBucket } from './circle.js';
import { circleFindings, keyFindings, type Finding } from './findings.js';
import { latestManifest, readManifest, sha256, type Manifest, type ManifestRead, type SealedFile } from './manifest.js';
import type { SignerSource } from './ports.js';

export interface VerifyReport {
  ok: boolean;
  findings: Finding[];
  manifest: { sequence: number; sealedAt: string; signer: string; files: { name: string; version: number }[] } | null;
  buckets: { name: string; location: string; state: ManifestRead['state'] | 'outdated'; sequence: number | null }[];
  holders: { name: string; fingerprint: string; algorithm: string; expires: string | null }[];
}

/**
 * Checks what a person cannot see from the outside: every bucket holds the latest sealed
 * version of every file, unchanged, encrypted to exactly the current circle, and the
 * circle itself is big enough, with keys that work. Needs no private key.
 */
export async function verifyCircle(circle: Circle, signers: SignerSource, now: Date): Promise<VerifyReport> {
  const findings: Finding[] = [...circleFindings(circle.holders.length, circle.threshold)];
  for (const holder of circle.holders) findings.push(...keyFindings(holder, now));

  const reads = await Promise.all(circle.buckets.map(async (bucket) => ({ bucket, read: await readManifest(bucket.store, circle.pgp) })));
  const latest = latestManifest(reads.map(({ read }) => read));
  for (const { bucket, read } of reads) findings.push(...manifestFindings(bucket, read, latest));
  if (!latest) {
    findings.push({ severity: 'error', subject: 'circle', message: 'nothing is sealed in any bucket', fix: 'seal the DR bundle: firedrill trust seal FILE...' });
  } else {
    findings.push(...(await signerFindings(latest, signers)));
    const reseal = new Set<string>();
    for (const file of latest.files) findings.push(...(await fileFindings(circle, reads, file, reseal)));
    if (reseal.size) {
      findings.push({
        severity: 'error',
        subject: 'circle',
        message: `${reseal.size} file(s) must be sealed again: ${[...reseal].join(', ')}`,
        fix: `firedrill trust seal ${[...reseal].join(' ')} (from the original files)`,
      });
    }
  }

  return {
    ok: !findings.some((finding) => finding.severity === 'error'),
    findings,
    manifest: latest
      ? { sequence: latest.sequence, sealedAt: latest.sealedAt, signer: latest.signer.fingerprint, files: latest.files.map(({ name, version }) => ({ name, version })) }
      : null,
    buckets: reads.map(({ bucket, read }) => ({
      name: bucket.name,
      location: bucket.store.location,
      state: read.state === 'ok' && latest && read.manifest.sequence < latest.sequence ? 'outdated' : read.state,
      sequence: read.state === 'ok' ? read.manifest.sequence : null,
    })),
    holders: circle.holders.map((holder) => ({
      name: holder.name,
      fingerprint: holder.key.fingerprint,
      algorithm: holder.key.encryption ? `${holder.key.algorithm.description}/${holder.key.encryption.algorithm.description}` : holder.key.algorithm.description,
      expires: holder.key.expires?.toISOString() ?? null,
    })),
  };
}

function manifestFindings(bucket: CircleBucket, read: ManifestRead, latest: Manifest | undefined): Finding[] {
  const subject = `bucket ${bucket.name}`;
  switch (read.state) {
    case 'unreachable':
      return [{ severity: 'error', subject, message: `cannot be reached: ${read.reason}`, fix: 'check the endpoint, credentials and that the bucket exists' }];
    case 'missing':
      return [{ severity: 'error', subject, message: `${bucket.store.location} holds no firedrill manifest: nothing was sealed here`, fix: 'seal again so every bucket gets a copy: firedrill trust seal FILE...' }];
    case 'invalid':
      return [{ severity: 'error', subject, message: read.reason, fix: 'seal again to replace it: firedrill trust seal FILE...' }];
    case 'ok':
      if (latest && read.manifest.sequence < latest.sequence) {
        return [{ severity: 'error', subject, message: `holds manifest #${read.manifest.sequence}; the latest is #${latest.sequence} (sealed ${latest.sealedAt})`, fix: 'seal the files again so every bucket gets the latest' }];
      }
      return [];
  }
}

async function signerFindings(latest: Manifest, signers: SignerSource): Promise<Finding[]> {
  const own = await signers.existing();
  if (!own) {
    return [{
      severity: 'warning',
      subject: 'manifest',
      message: `signed by ${latest.signer.fingerprint}; this machine has no firedrill signing key to compare it with`,
      fix: 'run verify where the bundle is sealed (the key is in firedrill\'s state directory)',
    }];
  }
  if (own.fingerprint === latest.signer.fingerprint) return [];
  return [{
    severity: 'error',
    subject: 'manifest',
    message: `signed by ${latest.signer.fingerprint}, not by this firedrill's key ${own.fingerprint}: replaced by someone else, or sealed from another state directory`,
    fix: 'find out who sealed it; seal again from here to make this key the signer',
  }];
}

/** One sealed file in every bucket: present, unchanged, and encrypted to exactly the circle. */
async function fileFindings(
  circle: Circle,
  reads: readonly { bucket: CircleBucket; read: ManifestRead }[],
  file: SealedFile,
  reseal: Set<string>,
): Promise<Finding[]> {
  const subject = `file ${file.name}`;
  const findings: Finding[] = [];
  let genuine: string | undefined;
  for (const { bucket, read } of reads) {
    if (read.state === 'unreachable') continue;
    let text: string;
    try {
      const present = (await bucket.store.list(file.object)).some((object) => object.key === file.object);
      if (!present) {
        findings.push({ severity: 'error', subject, message: `${bucket.store.location}${file.object} is missing (bucket ${bucket.name})` });
        reseal.add(file.name);
        continue;
      }
      text = await readText(bucket.store, file.object);
    } catch (error) {
      findings.push({ severity: 'error', subject, message: `cannot be read from bucket ${bucket.name}: ${errorText(error)}` });
      continue;
    }
    if (sha256(text) === file.objectSha256) {
      genuine ??= text;
      continue;
    }
    const older = read.state === 'ok' ? read.manifest.files.find((entry) => entry.name === file.name && entry.objectSha256 === sha256(text)) : undefined;
    findings.push({
      severity: 'error',
      subject,
      message: older
        ? `bucket ${bucket.name} holds version ${older.version}; the latest is version ${file.version}`
        : `${bucket.store.location}${file.object} does not match the manifest's checksum: damaged, or changed after sealing (bucket ${bucket.name})`,
    });
    reseal.add(file.name);
  }
  if (genuine !== undefined) findings.push(...(await recipientFindings(circle, file, genuine, reseal)));
  return findings;
}

async function recipientFindings(circle: Circle, file: SealedFile, armored: string, reseal: Set<string>): Promise<Finding[]> {
  const subject = `file ${file.name}`;
  const recipients = await circle.pgp.recipientKeyIds(armored);
  const findings: Finding[] = [];
  const covered = new Set(holdersAmong(recipients, circle.holders).map((holder) => holder.name));
  for (const holder of circle.holders) {
    if (covered.has(holder.name)) continue;
    const before = file.recipients.some((recipient) => recipient.holder === holder.name);
    findings.push({
      severity: 'error',
      subject,
      message: before
        ? `not encrypted to ${holder.name}'s current key (their key changed since it was sealed)`
        : `not encrypted to ${holder.name} (added to the circle after it was sealed)`,
    });
  }
  for (const keyId of strangerKeyIds(recipients, circle.holders)) {
    const former = file.recipients.find((recipient) => recipient.keyId === keyId);
    findings.push({
      severity: 'error',
      subject,
      message: former
        ? `still encrypted to ${former.holder}, who is no longer in the circle (key ${former.fingerprint})`
        : keyId === '0000000000000000'
          ? 'encrypted to a hidden recipient (gpg --throw-keyids): cannot tell who can read it'
          : `encrypted to key id ${keyId}, which belongs to nobody in the circle`,
    });
  }
  if (findings.length) reseal.add(file.name);
  return findings;
}
