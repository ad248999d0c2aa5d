import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCatalogue, validateFiles } from '../../../src/catalogue/load.js';
import { formatProblem } from '../../../src/catalogue/problems.js';

const fixture = (name: string) =>
  path.relative(process.cwd(), path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/trust', name));

describe('the trust: section of the config', () => {
  it('is a whole config on its own: no environments needed', async () => {
    const f = fixture('trust-only.yaml');
    expect(await validateFiles([f])).toEqual([]);
    const loaded = await loadCatalogue(f);
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.catalogue.config.environments).toEqual({});
    expect(loaded.catalogue.config.trust).toEqual({
      threshold: 2,
      holders: [
        { name: 'alice', publicKey: 'keys/alice.asc', slack: 'U0123ABC' },
        { name: 'bob', publicKey: 'keys/bob.asc', matrix: '@bob:example.org' },
        { name: 'carol', publicKey: 'keys/carol.asc' },
      ],
      buckets: [
        { name: 'primary', bucket: 'acme-dr-bundle', prefix: 'trust/', region: 'eu-west-1', forcePathStyle: false },
        {
          name: 'offsite',
          bucket: 'acme-dr-offsite',
          prefix: '',
          region: 'us-east-1',
          endpoint: 'http://127.0.0.1:9000',
          forcePathStyle: true,
          accessKeyIdEnv: 'OFFSITE_KEY_ID',
          secretAccessKeyEnv: 'OFFSITE_SECRET',
        },
      ],
    });
  });

  it('reports every problem with its line, key path and a fix', async () => {
    const f = fixture('bad-trust.yaml');
    expect((await validateFiles([f])).map(formatProblem)).toEqual([
      `${f}:2:14: trust.threshold: must be at least 1, got the number 0`,
      `${f}:6:13: trust.holders[1].name: holder "alice" is listed twice; give each a different name`,
      `${f}:8:7: trust.holders[1].email: unknown key; allowed keys: name, publicKey, slack, matrix`,
      `${f}:12:7: trust.buckets[0].secretAccessKey: unknown key; did you mean "secretAccessKeyEnv"?`,
    ]);
  });
});
