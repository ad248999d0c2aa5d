import * as openpgp from 'openpgp';
import { UserError } from '../../src/errors.js';
import type { KeyAlgorithm, Pgp, PublicKeyInfo, SignatureCheck } from '../../src/trust/ports.js';

/** The circle of trust's OpenPGP operations, with openpgp (v6, OpenPGP v4 messages that GnuPG 2.2 reads). */
export function openpgpPgp(): Pgp {
  return {
    async readPublicKey(armored, at) {
      const key = await readOnePublicKey(armored);
      const expiry = await key.getExpirationTime();
      return {
        fingerprint: key.getFingerprint().toLowerCase(),
        userIds: key.getUserIDs(),
        algorithm: describeAlgorithm(key.getAlgorithmInfo()),
        created: key.getCreationTime(),
        expires: expiry instanceof Date ? expiry : null,
        revoked: await key.isRevoked(undefined, undefined, at),
        encryption: await encryptionKeyAt(key, at),
        keyIds: key.getKeyIDs().map((id) => id.toHex()),
        // Re-armoured from the public part: a file that held a secret key never passes it on.
        armored: key.armor(),
      };
    },

    async encrypt(data, recipients, { filename, at }) {
      const encryptionKeys = await Promise.all(recipients.map(readOnePublicKey));
      // Uncompressed, SEIPDv1 with MDC: what gpg 2.2 and every other current implementation decrypt.
      return openpgp.encrypt({
        message: await openpgp.createMessage({ binary: data, filename, date: at }),
        encryptionKeys,
        date: at,
        format: 'armored',
      });
    },

    async recipientKeyIds(armoredMessage) {
      const message = await openpgp.readMessage({ armoredMessage });
      return message.getEncryptionKeyIDs().map((id) => id.toHex());
    },

    async readPrivateKey(armored) {
      const key = await readOnePrivateKey(armored);
      return {
        fingerprint: key.getFingerprint().toLowerCase(),
        keyIds: key.getKeyIDs().map((id) => id.toHex()),
        locked: !key.isDecrypted(),
      };
    },

    async decrypt(armoredMessage, armoredKey, passphrase) {
      let privateKey = await readOnePrivateKey(armoredKey);
      if (!privateKey.isDecrypted()) {
        if (passphrase === undefined) {
          throw new UserError(
            'the private key is protected by a passphrase, and none was given',
            'put the passphrase in an environment variable and name it: --passphrase-env NAME (firedrill never prompts, and never prints it)',
          );
        }
        try {
          privateKey = await openpgp.decryptKey({ privateKey, passphrase });
        } catch {
          // openpgp's message is enough here; it never contains the passphrase.
          throw new UserError('the passphrase does not unlock the private key', 'check the environment variable named by --passphrase-env');
        }
      }
      const message = await openpgp.readMessage({ armoredMessage });
      const { data } = await openpgp.decrypt({ message, decryptionKeys: privateKey, format: 'binary' });
      return data;
    },

    async verifyDetached(data, armoredSignature, publicKey): Promise<SignatureCheck> {
      try {
        const verificationKeys = await readOnePublicKey(publicKey);
        const result = await openpgp.verify({
          message: await openpgp.createMessage({ binary: data }),
          signature: await openpgp.readSignature({ armoredSignature }),
          verificationKeys,
          expectSigned: true,
        });
        const [signature] = result.signatures;
        if (!signature) return { ok: false, reason: 'no signature' };
        return { ok: true, fingerprint: verificationKeys.getFingerprint().toLowerCase() };
      } catch (error) {
        return { ok: false, reason: error instanceof Error ? error.message : String(error) };
      }
    },
  };
}

async function readOnePublicKey(armoredKey: string): Promise<openpgp.PublicKey> {
  const keys = await openpgp.readKeys({ armoredKeys: armoredKey });
  const [key] = keys;
  if (!key) throw new UserError('no OpenPGP public key in the file', 'export it with: gpg --armor --export <fingerprint>');
  if (keys.length > 1) throw new UserError(`the file holds ${keys.length} keys: give each key-holder a file with only their key`);
  // Someone may point publicKey at their secret key export: never keep or use the secret part.
  return key.isPrivate() ? key.toPublic() : key;
}

async function readOnePrivateKey(armoredKey: string): Promise<openpgp.PrivateKey> {
  const keys = await openpgp.readPrivateKeys({ armoredKeys: armoredKey }).catch(() => {
    throw new UserError('no OpenPGP private key in the file', 'export yours with: gpg --armor --export-secret-keys <fingerprint> > key.asc');
  });
  const [key] = keys;
  if (!key) throw new UserError('no OpenPGP private key in the file');
  return key;
}

async function encryptionKeyAt(key: openpgp.PublicKey, at: Date): Promise<PublicKeyInfo['encryption']> {
  // Found with the size limits relaxed, so that a too-weak key is reported as too weak
  // rather than as having no encryption key; openpgp's defaults then decide `usable`.
  const relaxed = { ...openpgp.config, minRSABits: 512 };
  try {
    const subkey = await key.getEncryptionKey(undefined, at, undefined, relaxed);
    const expiry = await subkey.getExpirationTime();
    const usable = await key.getEncryptionKey(undefined, at).then(() => true, () => false);
    return {
      keyId: subkey.getKeyID().toHex(),
      algorithm: describeAlgorithm(subkey.getAlgorithmInfo()),
      expires: expiry instanceof Date ? expiry : null,
      usable,
    };
  } catch {
    return null;
  }
}

const CURVE_NAMES: Record<string, string> = {
  ed25519Legacy: 'ed25519',
  curve25519Legacy: 'cv25519',
  nistP256: 'nistp256',
  nistP384: 'nistp384',
  nistP521: 'nistp521',
};

/** In GnuPG's words (`rsa3072`, `ed25519`, `cv25519`), since that is what key-holders see. */
export function describeAlgorithm(info: openpgp.AlgorithmInfo): KeyAlgorithm {
  const name = String(info.algorithm);
  const bits = info.bits ?? null;
  if (name.startsWith('rsa')) return { family: 'rsa', bits, curve: null, description: `rsa${bits ?? ''}` };
  if (name === 'dsa') return { family: 'dsa', bits, curve: null, description: `dsa${bits ?? ''}` };
  if (name === 'elgamal') return { family: 'elgamal', bits, curve: null, description: `elg${bits ?? ''}` };
  if (info.curve) {
    const curve = CURVE_NAMES[info.curve] ?? info.curve.toLowerCase();
    return { family: 'ecc', bits: null, curve, description: curve };
  }
  if (['ed25519', 'x25519', 'ed448', 'x448'].includes(name)) return { family: 'ecc', bits: null, curve: name, description: name };
  return { family: 'other', bits, curve: null, description: name };
}
