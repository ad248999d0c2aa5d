import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import type { ManifestSigner, SignerSource } from '../../src/trust/ports.js';
import { UserError } from '../../src/errors.js';

export const SIGNING_KEY_FILE = 'manifest-signing-key.asc';

/**
 * firedrill's own manifest-signing key, in `directory` (inside its state directory). It is
 * created on first use, without a passphrase: the bot must sign unattended, so the key is
 * protected by the file's permissions (0600 in a 0700 folder) and never logged or printed.
 * A signature proves the manifest was not damaged and was written by whoever holds this
 * file; it does not prove anything about the people in the circle.
 */
export function fileSignerSource(directory: string): SignerSource {
  const file = join(directory, SIGNING_KEY_FILE);
  return {
    async existing() {
      const armored = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      return armored === undefined ? undefined : signerFrom(armored);
    },

    async obtain() {
      const found = await this.existing();
      if (found) return found;
      await mkdir(directory, { recursive: true, mode: 0o700 });
      const { privateKey } = await openpgp.generateKey({
        type: 'ecc',
        curve: 'ed25519Legacy',
        userIDs: [{ name: 'firedrill manifest signer' }],
        format: 'armored',
      });
      try {
        // `wx`: two first seals at once keep one key, the one written first.
        await writeFile(file, privateKey, { mode: 0o600, flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      return signerFrom(await readFile(file, 'utf8'));
    },
  };
}

async function signerFrom(armored: string): Promise<ManifestSigner> {
  const key = await openpgp.readPrivateKey({ armoredKey: armored });
  return {
    fingerprint: key.getFingerprint().toLowerCase(),
    publicKey: key.toPublic().armor(),
    async sign(data) {
      return openpgp.sign({
        message: await openpgp.createMessage({ binary: data }),
        signingKeys: key,
        detached: true,
        format: 'armored',
      });
    },
  };
}

/**
 * A signing key the deployment gives (`reports.signingKey`), so that every replica signs with the
 * same key. `where` names the config key in errors; the key itself never appears in one.
 */
export async function configuredSigner(armored: string, where: string): Promise<ManifestSigner> {
  const hint = 'give an ASCII-armoured private key without a passphrase, e.g. from: gpg --armor --export-secret-keys <fingerprint>';
  let key: openpgp.PrivateKey;
  try {
    key = await openpgp.readPrivateKey({ armoredKey: armored });
  } catch {
    throw new UserError(`${where} is not an OpenPGP private key`, hint);
  }
  if (!key.isDecrypted()) throw new UserError(`${where} is protected by a passphrase: firedrill signs unattended`, `remove it (gpg --edit-key <fingerprint> passwd) and keep the key in a Secret; ${hint}`);
  try {
    await key.getSigningKey();
  } catch {
    throw new UserError(`${where} has no key that may sign (expired, revoked, or encryption only)`, hint);
  }
  return signerFrom(armored);
}
