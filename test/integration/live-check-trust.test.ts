import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveCheckCommand } from '../../src/cli/live-check-command.js';
import { sealCommand } from '../../src/cli/trust-commands.js';
import { capturingContext, startTrustWorld, type TrustWorld } from '../support/trust-world.js';

let world: TrustWorld;

beforeAll(async () => {
  world = await startTrustWorld([
    { name: 'alice', algorithm: 'ed25519' },
    { name: 'bob', algorithm: 'ed25519' },
    { name: 'carol', algorithm: 'ed25519' },
  ]);
  await writeFile(join(world.dir, 'vault.kdbx'), 'the DR bundle');
});

afterAll(async () => {
  await world?.stop();
});

const ENVIRONMENTS = 'environments:\n  staging:\n    drills: [key-holder-gone]\n';

async function circleConfig(prefix: string, edit: (yaml: string) => string = (yaml) => yaml): Promise<string> {
  const file = await world.writeConfig(`${prefix}.yaml`, { holders: ['alice', 'bob', 'carol'], threshold: 2, prefix: `${prefix}/`, extra: ENVIRONMENTS });
  await writeFile(file, edit(await readFile(file, 'utf8')));
  return file;
}

async function liveCheck(config: string) {
  const context = capturingContext(world.env);
  const code = await liveCheckCommand(context, config, 'staging');
  return { code, lines: context.stdout().split('\n').map((line) => line.trim()).filter(Boolean) };
}

describe('validate --live for a key-holder drill', () => {
  it('fails while nothing is sealed in the trust buckets, and passes once the bundle is sealed', async () => {
    const config = await circleConfig('unsealed');
    const before = await liveCheck(config);
    expect(before.code).toBe(1);
    expect(before.lines.filter((line) => line.startsWith('FAILED'))).toEqual(
      ['primary', 'secondary', 'offsite'].map((name) =>
        expect.stringMatching(new RegExp(`^FAILED +trust bucket ${name} \\(s3://dr-${name}/unsealed/\\): reachable, but nothing is sealed there.*; fix: seal the DR bundle: firedrill trust seal FILE\\.\\.\\.$`)),
      ),
    );
    expect(before.lines).toContainEqual(expect.stringMatching(/^ok +circle of trust: 3 key-holder\(s\) \(alice, bob, carol\), threshold 2, public keys readable \(for key-holder-gone\)$/));

    expect(await sealCommand(capturingContext(world.env), config, [join(world.dir, 'vault.kdbx')])).toBe(0);
    const after = await liveCheck(config);
    expect(after.lines.filter((line) => !line.startsWith('ok'))).toEqual(['staging: 1 drill(s) allowed: key-holder-gone']);
    expect(after.code).toBe(0);
    expect(after.lines).toContainEqual(expect.stringMatching(/^ok +trust bucket offsite \(s3:\/\/dr-offsite\/unsealed\/\): reachable; sealed bundle #1 of \S+, 1 file\(s\)$/));
  });

  it('reports a trust bucket that does not exist and a public key that cannot be read', async () => {
    const missingBucket = await liveCheck(await circleConfig('no-bucket', (yaml) => yaml.replace('bucket: dr-offsite', 'bucket: dr-nowhere')));
    expect(missingBucket.code).toBe(1);
    expect(missingBucket.lines).toContainEqual(expect.stringMatching(/^FAILED +trust bucket offsite \(s3:\/\/dr-nowhere\/no-bucket\/\): cannot read it: the bucket dr-nowhere does not exist at http:\/\/127\.0\.0\.1:\d+.*; fix: check the endpoint, region, credentials and name/));

    const missingKey = await liveCheck(await circleConfig('no-key', (yaml) => yaml.replace('keys/carol.asc', 'keys/nobody.asc')));
    expect(missingKey.code).toBe(1);
    expect(missingKey.lines.filter((line) => line.startsWith('FAILED'))).toEqual([
      expect.stringMatching(/^FAILED +circle of trust: the circle of trust's public keys cannot all be read:; .*trust\.holders\[2\] \(carol\): cannot read keys\/nobody\.asc \(ENOENT.*; fix: publicKey paths are relative to the config file/),
    ]);
  });
});
