/**
 * What the circle-of-trust core needs from an OpenPGP implementation. adapters/pgp
 * implements it with openpgp; the core never sees that library.
 */

export interface KeyAlgorithm {
  family: 'rsa' | 'dsa' | 'elgamal' | 'ecc' | 'other';
  /** Modulus size for rsa/dsa/elgamal; null for elliptic curves. */
  bits: number | null;
  /** e.g. `ed25519`, `cv25519`, `nistp256`; null for rsa/dsa/elgamal. */
  curve: string | null;
  /** One word a person reads: `rsa3072`, `ed25519`, `cv25519`. */
  description: string;
}

export interface PublicKeyInfo {
  /** Lower-case hex, as gpg prints it without spaces. */
  fingerprint: string;
  userIds: string[];
  algorithm: KeyAlgorithm;
  created: Date;
  /** When the key stops being usable; null when it never expires. */
  expires: Date | null;
  revoked: boolean;
  /**
   * The (sub)key messages would be encrypted to at the time asked for; null when it has none
   * (or all are expired or revoked). `usable` is false when it exists but is refused as too weak.
   */
  encryption: { keyId: string; algorithm: KeyAlgorithm; expires: Date | null; usable: boolean } | null;
  /** Key ids of the key and all its subkeys (lower-case hex), to match a message's recipients. */
  keyIds: string[];
  armored: string;
}

export interface PrivateKeyInfo {
  fingerprint: string;
  keyIds: string[];
  /** True when the key file is protected by a passphrase. */
  locked: boolean;
}

export type SignatureCheck = { ok: true; fingerprint: string } | { ok: false; reason: string };

export interface Pgp {
  /** Reads one armoured public key; `at` is the moment its validity is judged. */
  readPublicKey(armored: string, at: Date): Promise<PublicKeyInfo>;
  /** Encrypts to every recipient (armoured public keys): an ASCII-armoured message any of them decrypts. */
  encrypt(data: Uint8Array, recipients: readonly string[], options: { filename: string; at: Date }): Promise<string>;
  /** The key ids an armoured message is encrypted to (hidden recipients show as 0000000000000000). */
  recipientKeyIds(armoredMessage: string): Promise<string[]>;
  readPrivateKey(armored: string): Promise<PrivateKeyInfo>;
  /** Decrypts with a holder's private key, on the holder's machine; the passphrase is used and dropped. */
  decrypt(armoredMessage: string, privateKey: string, passphrase: string | undefined): Promise<Uint8Array>;
  /** Checks a detached armoured signature of `data` against one armoured public key. */
  verifyDetached(data: Uint8Array, signature: string, publicKey: string): Promise<SignatureCheck>;
}

/** The key firedrill signs manifests with: kept in its state directory, never logged. */
export interface ManifestSigner {
  fingerprint: string;
  /** Armoured public key, recorded in every manifest it signs. */
  publicKey: string;
  /** A detached, ASCII-armoured signature. */
  sign(data: Uint8Array): Promise<string>;
}

export interface SignerSource {
  /** The signing key when this machine has one; `verify` never creates one. */
  existing(): Promise<ManifestSigner | undefined>;
  /** The signing key, created on first use (`seal`). */
  obtain(): Promise<ManifestSigner>;
}
