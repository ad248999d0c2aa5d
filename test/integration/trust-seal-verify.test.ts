import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileSignerSource } from '../../adapters/pgp/signing-key.js';
import { sealCommand, verifyCommand } from '../../src/cli/trust-commands.js';
import { validateFiles } from '../../src/catalogue/load.js';
import { UserError } from '../../src/errors.js';
import { readText } from '../../src/trust/circle.js';
import type { VerifyReport } from '../../src/trust/verify.js';
import { runCli } from '../support/cli.js';
import { BUCKETS, capturingContext, startTrustWorld, type TrustWorld } from '../support/trust-world.js';

let world: TrustWorld;
let files: { secrets: string; bundle: string };
const contents = { secrets: Buffer.from('DB_PASSWORD=correct horse battery staple\n'), bundle: randomBytes(20_000) };

beforeAll(async () => {
  world = await startTrustWorld([
    { name: 'alice', algorithm: 'ed25519' },
    { name: 'bob', algorithm: 'rsa3072' },
    { name: 'carol', algorithm: 'ed25519' },
    { name: 'dave', algorithm: 'ed25519' },
  ]);
  files = { secrets: join(world.dir, 'secrets.env'), bundle: join(world.dir, 'bundle.bin') };
  await writeFile(files.secrets, contents.secrets);
  await writeFile(files.bundle, contents.bundle);
});

afterAll(async () => {
  await world?.stop();
});

async function seal(config: string, paths: string[]): Promise<string> {
  const context = capturingContext(world.env);
  expect(await sealCommand(context, config, paths)).toBe(0);
  return context.stdout();
}

async function verify(config: string, env: NodeJS.ProcessEnv = world.env): Promise<{ code: number; report: VerifyReport }> {
  const context = capturingContext(env);
  const code = await verifyCommand(context, config, true);
  return { code, report: JSON.parse(context.stdout()) as VerifyReport };
}

const messages = (report: VerifyReport) => report.findings.filter((f) => f.severity === 'error').map((f) => `${f.subject}: ${f.message}`);

describe('firedrill trust seal and verify', () => {
  it('seals each file to every holder in every bucket; each holder decrypts the exact bytes with plain gpg', async () => {
    const config = await world.writeConfig('circle.yaml', { holders: ['alice', 'bob', 'carol'], threshold: 2, prefix: 'bundle/' });
    expect(await validateFiles([config])).toEqual([]);

    const sealed = await runCli(['trust', 'seal', '--config', config, files.secrets, files.bundle], { env: world.env });
    expect(sealed.stderr).toBe('');
    expect(sealed.code).toBe(0);
    expect(sealed.stdout).toContain('sealed 2 file(s) to alice, bob, carol (manifest #1');
    for (const bucket of BUCKETS) {
      const keys = (await world.store(bucket, 'bundle/').list('')).map((object) => object.key);
      expect(keys).toEqual(['bundle.bin.asc', 'firedrill-manifest.json', 'firedrill-manifest.json.sig', 'secrets.env.asc']);
    }
    for (const [index, name] of ['alice', 'bob', 'carol'].entries()) {
      const store = world.store(BUCKETS[index]!, 'bundle/');
      expect(await world.holders[name]!.gpg.decrypt(await readText(store, 'bundle.bin.asc'))).toEqual(contents.bundle);
      expect(await world.holders[name]!.gpg.decrypt(await readText(store, 'secrets.env.asc'))).toEqual(contents.secrets);
    }
    // dave is not in this circle: his key opens nothing.
    await expect(world.holders.dave!.gpg.decrypt(await readText(world.store('primary', 'bundle/'), 'secrets.env.asc'))).rejects.toThrow(/No secret key/i);

    const verified = await runCli(['trust', 'verify', '--config', config], { env: world.env });
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain('circle of trust in');
    expect(verified.stdout).toMatch(/\nOK\n$/);
    const manifest = JSON.parse(await readText(world.store('offsite', 'bundle/'), 'firedrill-manifest.json')) as { files: { name: string; sha256: string }[] };
    expect(manifest.files.map((file) => file.name)).toEqual(['bundle.bin', 'secrets.env']);
    expect(JSON.stringify(manifest)).not.toContain('correct horse');
  });

  it('catches a missing object and a tampered one, and names the files to re-seal; sealing again repairs them', async () => {
    const config = await world.writeConfig('damage.yaml', { holders: ['alice', 'bob', 'carol'], threshold: 2, prefix: 'damage/' });
    await seal(config, [files.secrets, files.bundle]);
    await world.store('secondary', 'damage/').delete('secrets.env.asc');
    const forged = await world.holders.alice!.gpg.encrypt(Buffer.from('not the bundle'), [await readFile(join(world.dir, world.holders.alice!.publicKey), 'utf8')]);
    await world.store('offsite', 'damage/').put('bundle.bin.asc', forged);

    const { code, report } = await verify(config);
    expect(code).toBe(1);
    expect(messages(report)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^file secrets.env: s3:\/\/dr-secondary\/damage\/secrets.env.asc is missing/),
        expect.stringMatching(/^file bundle.bin: s3:\/\/dr-offsite\/damage\/bundle.bin.asc does not match the manifest's checksum/),
        'circle: 2 file(s) must be sealed again: bundle.bin, secrets.env',
      ]),
    );

    await seal(config, [files.secrets, files.bundle]);
    const repaired = await verify(config);
    expect(messages(repaired.report)).toEqual([]);
    expect(repaired.report.manifest?.files).toEqual([{ name: 'bundle.bin', version: 2 }, { name: 'secrets.env', version: 2 }]);
  });

  it('catches a holder removed from the circle and one added since sealing', async () => {
    const before = await world.writeConfig('members-before.yaml', { holders: ['alice', 'bob', 'carol'], threshold: 2, prefix: 'members/' });
    await seal(before, [files.secrets]);
    const after = await world.writeConfig('members-after.yaml', { holders: ['alice', 'bob', 'dave'], threshold: 2, prefix: 'members/' });
    const { code, report } = await verify(after);
    expect(code).toBe(1);
    expect(messages(report)).toEqual([
      'file secrets.env: not encrypted to dave (added to the circle after it was sealed)',
      expect.stringMatching(/^file secrets.env: still encrypted to carol, who is no longer in the circle \(key [0-9a-f]{40}\)$/),
      'circle: 1 file(s) must be sealed again: secrets.env',
    ]);
    expect(report.findings.at(-1)?.fix).toBe('firedrill trust seal secrets.env (from the original files)');
  });

  it('catches a changed manifest, and one signed by a key other than this firedrill\'s', async () => {
    const config = await world.writeConfig('manifest.yaml', { holders: ['alice', 'bob', 'carol'], threshold: 2, prefix: 'manifest/' });
    await seal(config, [files.secrets]);
    const primary = world.store('primary', 'manifest/');
    await primary.put('firedrill-manifest.json', (await readText(primary, 'firedrill-manifest.json')).replace('"version": 1', '"version": 7'));
    expect(messages((await verify(config)).report)).toEqual([
      'bucket primary: firedrill-manifest.json does not match its signature: damaged, or changed after sealing',
    ]);

    const otherState = join(world.dir, 'other-state');
    await fileSignerSource(join(otherState, 'trust')).obtain();
    const elsewhere = await verify(config, { ...world.env, FIREDRILL_STATE_DIR: otherState });
    expect(messages(elsewhere.report)).toContainEqual(expect.stringMatching(/^manifest: signed by [0-9a-f]{40}, not by this firedrill's key/));
  });

  it('reports expired, expiring and weak keys, a circle too small, and an unreachable bucket', async () => {
    await Promise.all([
      world.addHolder({ name: 'erin', algorithm: 'ed25519', fakedTime: '20200101T000000', expire: '1d' }),
      world.addHolder({ name: 'frank', algorithm: 'ed25519', expire: '10d' }),
      world.addHolder({ name: 'gina', algorithm: 'rsa1024' }),
    ]);
    const expired = await world.writeConfig('expired.yaml', { holders: ['alice', 'bob', 'erin'], threshold: 2, prefix: 'keys/' });
    const refused = await sealCommand(capturingContext(world.env), expired, [files.secrets]).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as UserError).message).toMatch(/nothing sealed: some keys cannot be encrypted to:\n {2}holder erin: key [0-9a-f]{40} expired on 2020-01-02/);

    const weak = await world.writeConfig('weak.yaml', { holders: ['alice', 'frank', 'gina'], threshold: 2, prefix: 'keys/' });
    const tooWeak = await sealCommand(capturingContext(world.env), weak, [files.secrets]).catch((error: unknown) => error);
    expect((tooWeak as UserError).message).toMatch(/holder gina: key [0-9a-f]{40}: rsa1024 is too weak \(under 2048 bits\)/);

    // Sealed while the circle was sound; verify then judges the circle as configured now.
    await seal(await world.writeConfig('sound.yaml', { holders: ['alice', 'bob', 'frank'], threshold: 2, prefix: 'keys/' }), [files.secrets]);
    const { code, report } = await verify(weak);
    expect(code).toBe(1);
    expect(messages(report)).toContainEqual(expect.stringMatching(/^holder gina: key [0-9a-f]{40}: rsa1024 is too weak \(under 2048 bits\)/));
    expect(messages(report)).not.toContainEqual(expect.stringMatching(/^holder (alice|frank)/));
    expect(report.findings.filter((f) => f.severity === 'warning').map((f) => `${f.subject}: ${f.message}`)).toEqual([
      expect.stringMatching(/^holder frank: key [0-9a-f]{40} expires on .* \(in 10 day\(s\)\)$/),
    ]);

    const small = await world.writeConfig('small.yaml', { holders: ['alice', 'erin'], threshold: 2, prefix: 'keys/' });
    const smallText = (await readFile(small, 'utf8')).replace(world.s3.offsite.endpoint, 'http://127.0.0.1:9');
    await writeFile(small, smallText);
    const problems = messages((await verify(small)).report);
    expect(problems).toEqual(
      expect.arrayContaining([
        'circle: only 2 key-holder(s): a circle of trust needs at least 3',
        'circle: threshold 2 cannot be met when one of the 2 key-holders is gone',
        expect.stringMatching(/^holder erin: key [0-9a-f]{40} expired on 2020-01-02/),
        expect.stringMatching(/^bucket offsite: cannot be reached: cannot reach the S3 endpoint http:\/\/127.0.0.1:9/),
      ]),
    );
  });

  it('explains a missing trust section and an unreadable key file, with the config path', async () => {
    const none = join(world.dir, 'no-trust.yaml');
    await writeFile(none, 'environments: {}\n');
    const result = await runCli(['trust', 'verify', '--config', none], { env: world.env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${none} has no trust: section`);
    const broken = await world.writeConfig('broken.yaml', { holders: ['alice', 'bob', 'carol'], threshold: 2, prefix: 'x/' });
    await writeFile(broken, (await readFile(broken, 'utf8')).replace('keys/bob.asc', 'keys/bob-missing.asc'));
    const missing = await runCli(['trust', 'seal', '--config', broken, files.secrets], { env: world.env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${broken}: trust.holders[1] (bob): cannot read keys/bob-missing.asc (ENOENT`);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });
});
