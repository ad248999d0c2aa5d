import type { Holder } from './circle.js';
import type { KeyAlgorithm } from './ports.js';

/** One thing `trust verify` reports. Errors make it exit 1; warnings are printed only. */
export interface Finding {
  severity: 'error' | 'warning';
  /** What it is about: `holder alice`, `bucket primary`, `file db.txt`, `circle`. */
  subject: string;
  message: string;
  fix?: string;
}

const DAY_MS = 86_400_000;
export const EXPIRY_WARNING_DAYS = 30;
/** Below this, RSA/ElGamal/DSA keys are reported as too weak (NIST SP 800-131A, GnuPG's own minimum). */
export const MIN_FINITE_FIELD_BITS = 2048;

/** Expired, revoked, about to expire, too weak, or unable to receive encrypted messages. */
export function keyFindings(holder: Holder, now: Date): Finding[] {
  const { key } = holder;
  const subject = `holder ${holder.name}`;
  const findings: Finding[] = [];
  const replace = `replace ${holder.config.publicKey} with ${holder.name}'s current public key, then re-seal: firedrill trust seal FILE...`;
  if (key.revoked) findings.push({ severity: 'error', subject, message: `key ${key.fingerprint} is revoked`, fix: replace });
  if (key.expires && key.expires <= now) {
    findings.push({ severity: 'error', subject, message: `key ${key.fingerprint} expired on ${day(key.expires)}`, fix: extend(holder) });
  } else if (!key.revoked && !key.encryption) {
    findings.push({
      severity: 'error',
      subject,
      message: `key ${key.fingerprint} has no valid encryption subkey (missing or expired): nothing can be sealed to it`,
      fix: `${holder.name} adds one (gpg --quick-add-key ${key.fingerprint} cv25519 encr 2y) and sends the updated public key`,
    });
  }
  const soonest = [key.expires, key.encryption?.expires ?? null]
    .filter((date): date is Date => date !== null && date > now)
    .sort((a, b) => a.getTime() - b.getTime())[0];
  if (soonest && soonest.getTime() - now.getTime() <= EXPIRY_WARNING_DAYS * DAY_MS) {
    const days = Math.ceil((soonest.getTime() - now.getTime()) / DAY_MS);
    findings.push({ severity: 'warning', subject, message: `key ${key.fingerprint} expires on ${day(soonest)} (in ${days} day(s))`, fix: extend(holder) });
  }
  for (const algorithm of [key.algorithm, ...(key.encryption ? [key.encryption.algorithm] : [])]) {
    const weakness = weak(algorithm);
    if (weakness) findings.push({ severity: 'error', subject, message: `key ${key.fingerprint}: ${weakness}`, fix: replace });
  }
  return findings;
}

function weak(algorithm: KeyAlgorithm): string | undefined {
  if (algorithm.family === 'dsa') return `${algorithm.description} is too weak (DSA is deprecated); use ed25519/cv25519 or rsa3072`;
  if ((algorithm.family === 'rsa' || algorithm.family === 'elgamal') && (algorithm.bits ?? 0) < MIN_FINITE_FIELD_BITS) {
    return `${algorithm.description} is too weak (under ${MIN_FINITE_FIELD_BITS} bits); use ed25519/cv25519 or rsa3072`;
  }
  return undefined;
}

function extend(holder: Holder): string {
  return `${holder.name} extends it (gpg --quick-set-expire ${holder.key.fingerprint} 1y '*') and sends the updated public key`;
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The size rules of a circle: at least 3 holders, and `threshold` of them left when one is gone. */
export function circleFindings(holderCount: number, threshold: number): Finding[] {
  const findings: Finding[] = [];
  if (holderCount < 3) {
    findings.push({
      severity: 'error',
      subject: 'circle',
      message: `only ${holderCount} key-holder(s): a circle of trust needs at least 3`,
      fix: 'add key-holders under trust.holders, then re-seal',
    });
  }
  if (holderCount - 1 < threshold) {
    findings.push({
      severity: 'error',
      subject: 'circle',
      message: `threshold ${threshold} cannot be met when one of the ${holderCount} key-holders is gone`,
      fix: `add key-holders, or lower trust.threshold to at most ${Math.max(holderCount - 1, 1)}`,
    });
  }
  return findings;
}
