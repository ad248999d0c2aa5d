import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real GnuPG keyring in a fresh temporary GNUPGHOME: one per key-holder, as on their own
 * machine, so that "bob can decrypt" means bob's key and nobody else's.
 */
export interface GpgHome {
  home: string;
  run(args: string[], input?: string | Buffer): Promise<{ code: number | null; stdout: Buffer; stderr: string }>;
  /** Generates a primary key and an encryption subkey; returns the fingerprint (lower case). */
  generate(options: GenerateOptions): Promise<string>;
  exportPublic(fingerprint: string): Promise<string>;
  exportSecret(fingerprint: string): Promise<string>;
  /** `gpg --decrypt`: the exact bytes, or throws with gpg's message. */
  decrypt(armored: string): Promise<Buffer>;
  /** `gpg --encrypt --armor` to public keys imported from armoured text. */
  encrypt(data: Buffer, recipientsArmored: string[]): Promise<string>;
  /** Stops this home's gpg-agent and removes the directory. */
  stop(): Promise<void>;
}

export interface GenerateOptions {
  name: string;
  algorithm: 'ed25519' | 'rsa3072' | 'rsa1024';
  /** gpg's expiry: `0` (never), `10d`, `1y`. */
  expire?: string;
  passphrase?: string;
  /** gpg --faked-system-time, e.g. `20200101T000000`: a key made in the past (so it can be expired now). */
  fakedTime?: string;
}

export async function startGpgHome(): Promise<GpgHome> {
  const home = await mkdtemp(join(tmpdir(), 'fd-gpg-'));
  let passphrase = '';
  const run = (args: string[], input?: string | Buffer) =>
    new Promise<{ code: number | null; stdout: Buffer; stderr: string }>((resolve, reject) => {
      const child = spawn('gpg', ['--batch', '--no-tty', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', passphrase, ...args], {
        env: { ...process.env, GNUPGHOME: home },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
      // gpg may exit before reading all input (no secret key): that is its answer, not a test error.
      child.stdin.on('error', () => undefined);
      child.stdin.end(input ?? '');
    });
  const ok = async (args: string[], input?: string | Buffer) => {
    const result = await run(args, input);
    if (result.code !== 0) throw new Error(`gpg ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
    return result.stdout;
  };

  return {
    home,
    run,
    async generate(options) {
      passphrase = options.passphrase ?? '';
      const faked = options.fakedTime ? ['--faked-system-time', `${options.fakedTime}!`] : [];
      const [primary, sub] = options.algorithm === 'ed25519' ? ['ed25519', 'cv25519'] : [options.algorithm, options.algorithm];
      const uid = `${options.name} <${options.name}@example.org>`;
      const expire = options.expire ?? '0';
      await ok([...faked, '--quick-gen-key', uid, primary, 'sign,cert', expire]);
      const listing = (await ok(['--with-colons', '--list-keys', uid])).toString();
      const fingerprint = /^fpr:::::::::([0-9A-F]+):/m.exec(listing)?.[1];
      if (!fingerprint) throw new Error(`no fingerprint for ${uid}: ${listing}`);
      await ok([...faked, '--quick-add-key', fingerprint, sub, 'encr', expire]);
      return fingerprint.toLowerCase();
    },
    async exportPublic(fingerprint) {
      return (await ok(['--armor', '--export', fingerprint])).toString();
    },
    async exportSecret(fingerprint) {
      return (await ok(['--armor', '--export-secret-keys', fingerprint])).toString();
    },
    async decrypt(armored) {
      return ok(['--decrypt'], armored);
    },
    async encrypt(data, recipientsArmored) {
      const fingerprints: string[] = [];
      for (const armored of recipientsArmored) {
        const imported = await run(['--import-options', 'import-show', '--with-colons', '--import'], armored);
        const fingerprint = /^fpr:::::::::([0-9A-F]+):/m.exec(imported.stdout.toString())?.[1];
        if (!fingerprint) throw new Error(`gpg import failed: ${imported.stderr}`);
        fingerprints.push(fingerprint);
      }
      return (await ok(['--armor', '--trust-model', 'always', ...fingerprints.flatMap((fpr) => ['-r', fpr]), '--encrypt'], data)).toString();
    },
    async stop() {
      await new Promise((resolve) => spawn('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: home }, stdio: 'ignore' }).on('close', resolve).on('error', resolve));
      await rm(home, { recursive: true, force: true });
    },
  };
}
