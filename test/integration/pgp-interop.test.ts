import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openpgpPgp } from '../../adapters/pgp/openpgp-pgp.js';
import { fileSignerSource, SIGNING_KEY_FILE } from '../../adapters/pgp/signing-key.js';
import { UserError } from '../../src/errors.js';
import { startGpgHome, type GpgHome } from '../support/gpg.js';

const pgp = openpgpPgp();
let now: Date;
let alice: GpgHome;
let bob: GpgHome;
let keys: { alice: string; bob: string; bobSecret: string; aliceSecret: string; aliceFpr: string; bobFpr: string };
let dir: string;

beforeAll(async () => {
  [alice, bob] = await Promise.all([startGpgHome(), startGpgHome()]);
  dir = await mkdtemp(join(tmpdir(), 'fd-pgp-'));
  const [aliceFpr, bobFpr] = await Promise.all([
    alice.generate({ name: 'alice', algorithm: 'ed25519', expire: '10d' }),
    bob.generate({ name: 'bob', algorithm: 'rsa3072', passphrase: 'correct horse' }),
  ]);
  keys = {
    aliceFpr,
    bobFpr,
    alice: await alice.exportPublic(aliceFpr),
    bob: await bob.exportPublic(bobFpr),
    aliceSecret: await alice.exportSecret(aliceFpr),
    bobSecret: await bob.exportSecret(bobFpr),
  };
  // After the keys exist: a key is not valid before its own creation time.
  now = new Date();
});

afterAll(async () => {
  await Promise.all([alice?.stop(), bob?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('openpgp and GnuPG', () => {
  it('reads public keys made by gpg: fingerprint, user id, algorithm, expiry, encryption subkey', async () => {
    const a = await pgp.readPublicKey(keys.alice, now);
    expect(a.fingerprint).toBe(keys.aliceFpr);
    expect(a.userIds).toEqual(['alice <alice@example.org>']);
    expect(a.algorithm.description).toBe('ed25519');
    expect(a.encryption?.algorithm.description).toBe('cv25519');
    expect(a.expires!.getTime() - now.getTime()).toBeGreaterThan(9 * 86_400_000);
    expect(a.expires!.getTime() - now.getTime()).toBeLessThan(11 * 86_400_000);
    const b = await pgp.readPublicKey(keys.bob, now);
    expect(b.algorithm).toMatchObject({ family: 'rsa', bits: 3072, description: 'rsa3072' });
    expect(b.encryption?.algorithm.description).toBe('rsa3072');
    expect(b.expires).toBeNull();
    expect(b.keyIds).toContain(b.encryption!.keyId);
  });

  it('encrypts to several holders: each decrypts the exact bytes with gpg, and with openpgp', async () => {
    const data = Buffer.concat([Buffer.from([...Array(256).keys()]), randomBytes(5000), Buffer.from('\r\n\n')]);
    const armored = await pgp.encrypt(data, [keys.alice, keys.bob], { filename: 'bundle.tar', at: now });
    expect(armored).toMatch(/^-----BEGIN PGP MESSAGE-----/);
    expect(Buffer.compare(await alice.decrypt(armored), data)).toBe(0);
    expect(Buffer.compare(await bob.decrypt(armored), data)).toBe(0);
    expect(Buffer.compare(Buffer.from(await pgp.decrypt(armored, keys.bobSecret, 'correct horse')), data)).toBe(0);
    const [a, b] = await Promise.all([pgp.readPublicKey(keys.alice, now), pgp.readPublicKey(keys.bob, now)]);
    expect((await pgp.recipientKeyIds(armored)).sort()).toEqual([a.encryption!.keyId, b.encryption!.keyId].sort());
  });

  it('reads files encrypted by gpg: their recipients, and decrypts them with a holder key', async () => {
    const data = randomBytes(3000);
    const armored = await bob.encrypt(data, [keys.alice, keys.bob]);
    const [a, b] = await Promise.all([pgp.readPublicKey(keys.alice, now), pgp.readPublicKey(keys.bob, now)]);
    expect((await pgp.recipientKeyIds(armored)).sort()).toEqual([a.encryption!.keyId, b.encryption!.keyId].sort());
    expect(Buffer.compare(Buffer.from(await pgp.decrypt(armored, keys.aliceSecret, undefined)), data)).toBe(0);
    expect((await pgp.readPrivateKey(keys.aliceSecret)).fingerprint).toBe(keys.aliceFpr);
  });

  it('says what is wrong with a protected key, without echoing the passphrase', async () => {
    const armored = await pgp.encrypt(Buffer.from('x'), [keys.bob], { filename: 'x', at: now });
    expect((await pgp.readPrivateKey(keys.bobSecret)).locked).toBe(true);
    const missing = await pgp.decrypt(armored, keys.bobSecret, undefined).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(UserError);
    expect((missing as UserError).message).toContain('protected by a passphrase');
    expect((missing as UserError).hint).toContain('--passphrase-env');
    const wrong = await pgp.decrypt(armored, keys.bobSecret, 'hunter2-secret').catch((error: unknown) => error);
    expect(wrong).toBeInstanceOf(UserError);
    expect(String((wrong as UserError).message) + (wrong as UserError).hint).not.toContain('hunter2');
  });

  it('signs manifests with a key made on first use (kept private), which gpg also verifies', async () => {
    const signers = fileSignerSource(join(dir, 'state', 'trust'));
    expect(await signers.existing()).toBeUndefined();
    const signer = await signers.obtain();
    expect((await signers.obtain()).fingerprint).toBe(signer.fingerprint);
    expect((await stat(join(dir, 'state', 'trust', SIGNING_KEY_FILE))).mode & 0o777).toBe(0o600);
    expect(signer.publicKey).not.toContain('PRIVATE');

    const manifest = Buffer.from('{"format":1}\n');
    const signature = await signer.sign(manifest);
    expect(await pgp.verifyDetached(manifest, signature, signer.publicKey)).toEqual({ ok: true, fingerprint: signer.fingerprint });
    expect((await pgp.verifyDetached(Buffer.from('{"format":2}\n'), signature, signer.publicKey)).ok).toBe(false);
    expect((await pgp.verifyDetached(manifest, signature, keys.alice)).ok).toBe(false);

    await writeFile(join(dir, 'manifest.json'), manifest);
    await writeFile(join(dir, 'manifest.json.sig'), signature);
    await alice.run(['--import'], signer.publicKey);
    const verified = await alice.run(['--verify', join(dir, 'manifest.json.sig'), join(dir, 'manifest.json')]);
    expect(verified.code).toBe(0);
    expect(verified.stderr).toContain('Good signature');
    expect(await readFile(join(dir, 'manifest.json'), 'utf8')).toBe('{"format":1}\n');
  });
});
