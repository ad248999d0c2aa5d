import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// Crockford's base32: no I, L, O, U, so a code read aloud or typed from a phone survives.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A fresh random answer, e.g. `7QK2-M9XD-4HTA-R3ZC-P8NV` (100 bits). */
export function newChallengeCode(random: (size: number) => Buffer = randomBytes): string {
  const bytes = random(20);
  const chars = [...bytes].map((byte) => ALPHABET[byte % 32]);
  return [0, 4, 8, 12, 16].map((start) => chars.slice(start, start + 4).join('')).join('-');
}

/** Case, spaces and dashes do not matter when someone types the code back. */
export function normalizeCode(text: string): string {
  return text.toUpperCase().replace(/[\s-]/g, '');
}

/** Only the hash is kept while the drill runs: the journal and memory never hold the code. */
export function codeDigest(code: string): Buffer {
  return createHash('sha256').update(normalizeCode(code)).digest();
}

export function codeMatches(answer: string, digest: Buffer): boolean {
  return timingSafeEqual(codeDigest(answer), digest);
}

/** The plaintext sealed to the remaining holders: what `gpg --decrypt` shows them. */
export function challengeText(runId: string, code: string): string {
  return [
    'firedrill key-holder drill',
    `run: ${runId}`,
    `answer: ${code}`,
    '',
    `Answer with: firedrill trust answer ${runId} --key YOUR-PRIVATE-KEY.asc`,
    `or: firedrill trust answer ${runId} --answer ${code} --as YOUR-NAME`,
    '',
  ].join('\n');
}

export function parseChallenge(text: string): { runId: string; code: string } | undefined {
  const runId = /^run: (\S+)$/m.exec(text)?.[1];
  const code = /^answer: (\S+)$/m.exec(text)?.[1];
  return runId && code ? { runId, code } : undefined;
}

/**
 * A random pick that can be replayed: seeded from the run id (and what is picked), so the
 * journal's run id is enough to see that nobody chose the victim by hand.
 */
export function seededPick<T>(items: readonly T[], runId: string, what: string): { item: T; seed: string } {
  if (items.length === 0) throw new Error(`nothing to pick a ${what} from`);
  const seed = createHash('sha256').update(`${runId}:${what}`).digest('hex').slice(0, 8);
  return { item: items[Number.parseInt(seed, 16) % items.length]!, seed };
}
