import { describe, expect, it } from 'vitest';
import { challengeText, codeDigest, codeMatches, newChallengeCode, parseChallenge, seededPick } from '../../../src/trust/challenge.js';
import { circleFindings, keyFindings } from '../../../src/trust/findings.js';
import type { Holder } from '../../../src/trust/circle.js';
import type { KeyAlgorithm } from '../../../src/trust/ports.js';

const now = new Date('2026-06-01T00:00:00Z');
const ed25519: KeyAlgorithm = { family: 'ecc', bits: null, curve: 'ed25519', description: 'ed25519' };
const cv25519: KeyAlgorithm = { family: 'ecc', bits: null, curve: 'cv25519', description: 'cv25519' };

function holder(name: string, key: Partial<Holder['key']> = {}): Holder {
  return {
    name,
    config: { name, publicKey: `keys/${name}.asc` },
    key: {
      fingerprint: 'f'.repeat(40),
      userIds: [name],
      algorithm: ed25519,
      created: new Date('2025-01-01'),
      expires: null,
      revoked: false,
      encryption: { keyId: '1'.repeat(16), algorithm: cv25519, expires: null, usable: true },
      keyIds: ['1'.repeat(16)],
      armored: '',
      ...key,
    },
  };
}

describe('the challenge', () => {
  it('is a fresh 100-bit code that survives being typed back loosely', () => {
    const code = newChallengeCode();
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$/);
    expect(newChallengeCode()).not.toBe(code);
    const digest = codeDigest(code);
    expect(codeMatches(code.toLowerCase().replaceAll('-', ' '), digest)).toBe(true);
    expect(codeMatches(code.slice(0, -1) + (code.endsWith('0') ? '1' : '0'), digest)).toBe(false);
  });

  it('reads back from the text the holders decrypt', () => {
    const text = challengeText('run-1', 'ABCD-EFGH-JKMN-PQRS-TVWX');
    expect(text).toContain('firedrill trust answer run-1 --key');
    expect(parseChallenge(text)).toEqual({ runId: 'run-1', code: 'ABCD-EFGH-JKMN-PQRS-TVWX' });
    expect(parseChallenge('hello')).toBeUndefined();
  });

  it('picks at random, but the same for the same run id', () => {
    const items = ['alice', 'bob', 'carol'];
    expect(seededPick(items, 'run-1', 'holder')).toEqual(seededPick(items, 'run-1', 'holder'));
    const picked = new Set(Array.from({ length: 60 }, (_, index) => seededPick(items, `run-${index}`, 'holder').item));
    expect(picked).toEqual(new Set(items));
  });
});

describe('key findings', () => {
  it('passes a sound key', () => {
    expect(keyFindings(holder('alice'), now)).toEqual([]);
  });

  it('reports expired, expiring, revoked, weak and encryption-less keys, each with a fix', () => {
    const expired = keyFindings(holder('a', { expires: new Date('2026-05-01'), encryption: null }), now);
    expect(expired.map((f) => f.message)).toEqual([`key ${'f'.repeat(40)} expired on 2026-05-01`]);
    const soon = keyFindings(holder('b', { expires: new Date('2026-06-20') }), now);
    expect(soon).toEqual([expect.objectContaining({ severity: 'warning', message: expect.stringContaining('expires on 2026-06-20 (in 19 day(s))') })]);
    expect(keyFindings(holder('c', { revoked: true }), now)[0]).toMatchObject({ severity: 'error', message: expect.stringContaining('is revoked') });
    const weak = keyFindings(holder('d', { algorithm: { family: 'rsa', bits: 1024, curve: null, description: 'rsa1024' } }), now);
    expect(weak[0]?.message).toContain('rsa1024 is too weak');
    const none = keyFindings(holder('e', { encryption: null }), now);
    expect(none[0]?.message).toContain('has no valid encryption subkey');
    for (const finding of [...expired, ...soon, ...weak, ...none]) expect(finding.fix).toBeTruthy();
  });

  it('wants at least 3 holders and the threshold met with one gone', () => {
    expect(circleFindings(3, 2)).toEqual([]);
    expect(circleFindings(3, 3).map((f) => f.message)).toEqual(['threshold 3 cannot be met when one of the 3 key-holders is gone']);
    expect(circleFindings(2, 1).map((f) => f.message)).toEqual(['only 2 key-holder(s): a circle of trust needs at least 3']);
  });
});
