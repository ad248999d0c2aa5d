import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../../src/catalogue/catalogue-files.js';
import { defaultConfigPath, effectiveDrill, loadCatalogue, resolveSecret, validateFiles, type Catalogue } from '../../../src/catalogue/load.js';
import { formatProblem } from '../../../src/catalogue/problems.js';
import { UserError } from '../../../src/errors.js';
import { fixture } from './fixtures.js';

async function load(configPath: string): Promise<Catalogue> {
  const result = await loadCatalogue(configPath);
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
  return result.catalogue;
}

describe('the shipped example and built-in catalogue', () => {
  it('drills.example.yaml validates with no problems, built-in drills included', async () => {
    const catalogue = await load(path.join(packageRoot(), 'drills.example.yaml'));
    expect([...catalogue.drills.keys()].sort()).toEqual([
      'delete-namespaces-velero',
      'delete-staging-namespaces',
      'drop-orders-table',
      'drop-orders-table-delayed-replica',
      'drop-orders-table-manual',
      'key-holder-gone',
      'lose-a-node',
    ]);
    expect(catalogue.config.environments.staging?.postgres?.url).toEqual({ env: 'STAGING_DATABASE_URL' });
  });

  it('every built-in drill validates on its own', async () => {
    const dir = path.join(packageRoot(), 'drills');
    const files = (await readdir(dir)).map((name) => path.join(dir, name));
    expect(files.length).toBeGreaterThanOrEqual(5);
    expect((await validateFiles(files)).map(formatProblem)).toEqual([]);
  });

  it('the demo drill reads as documented', async () => {
    const catalogue = await load(path.join(packageRoot(), 'drills.example.yaml'));
    const drill = effectiveDrill(catalogue, 'drop-orders-table', 'staging');
    expect(drill).toMatchObject({
      kind: 'drop-table',
      target: { table: 'public.orders' },
      objectives: { ttd: 30_000, rto: 120_000, rpo: 15_000 },
      steadyState: { interval: 250, stableFor: 2_000 },
      recovery: { mode: 'automated', runbook: { action: 'restore-table-from-s3', bucket: 'backups' }, trigger: 'on-detection' },
      rpo: { marker: 'column', table: 'public.orders', column: 'created_at' },
      maxDuration: 180_000,
      requiresApproval: false,
    });
  });
});

describe('effectiveDrill', () => {
  it('applies overrides: objectives key by key, weight, maxDuration, requiresApproval', async () => {
    const catalogue = await load(fixture('good-config.yaml'));
    const drill = effectiveDrill(catalogue, 'restore-orders', 'staging');
    expect(drill.objectives).toEqual({ ttd: 30_000, rto: 300_000, rpo: 15_000 });
    expect(drill).toMatchObject({ weight: 2, maxDuration: 600_000, requiresApproval: true });
    // The catalogue entry itself is unchanged: overrides are per config, applied on use.
    expect(catalogue.drills.get('restore-orders')?.drill.objectives.rto).toBe(120_000);
    expect(effectiveDrill(catalogue, 'lose-node', 'staging').weight).toBe(3);
  });

  it('refuses an unknown drill with did-you-mean and the list', async () => {
    const catalogue = await load(fixture('good-config.yaml'));
    expect(() => effectiveDrill(catalogue, 'lose-nod', 'staging')).toThrow(UserError);
    expect(() => effectiveDrill(catalogue, 'lose-nod', 'staging')).toThrow(
      'unknown drill "lose-nod"; did you mean "lose-node"? known drills: lose-node, restore-orders',
    );
  });

  it('refuses a drill that the environment does not allow', async () => {
    const catalogue = await load(fixture('good-config.yaml'));
    expect(() => effectiveDrill(catalogue, 'restore-orders', 'k8s-only')).toThrow(UserError);
    expect(() => effectiveDrill(catalogue, 'restore-orders', 'k8s-only')).toThrow(
      'drill "restore-orders" is not allowed in environment "k8s-only"; it allows: lose-node',
    );
    expect(() => effectiveDrill(catalogue, 'lose-node', 'stagign')).toThrow('unknown environment "stagign"; did you mean "staging"?');
  });
});

describe('resolveSecret', () => {
  const configDir = path.dirname(path.resolve(fixture('good-config.yaml')));

  it('reads an environment variable', async () => {
    expect(await resolveSecret({ env: 'DB_URL' }, configDir, { DB_URL: 'postgres://x' })).toBe('postgres://x');
  });

  it('reads a file relative to the config, trimmed', async () => {
    expect(await resolveSecret({ file: 'secrets/alert-token' }, configDir, {})).toBe('token-from-file');
  });

  it('names a missing variable or file, never a value', async () => {
    await expect(resolveSecret({ env: 'NOT_SET' }, configDir, {})).rejects.toThrow(UserError);
    await expect(resolveSecret({ env: 'NOT_SET' }, configDir, {})).rejects.toThrow('environment variable NOT_SET is not set');
    await expect(resolveSecret({ file: 'secrets/nope' }, configDir, {})).rejects.toThrow(/secret file secrets\/nope cannot be read \(ENOENT/);
  });
});

describe('defaultConfigPath', () => {
  it('prefers firedrill.yaml, else the example', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'firedrill-'));
    try {
      expect(defaultConfigPath(dir)).toBe(path.join(dir, 'drills.example.yaml'));
      await writeFile(path.join(dir, 'firedrill.yaml'), 'environments: {}\n');
      expect(defaultConfigPath(dir)).toBe(path.join(dir, 'firedrill.yaml'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
