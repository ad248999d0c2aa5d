import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { effectiveDrill, loadCatalogue, validateFiles } from '../../../src/catalogue/load.js';
import { formatProblem } from '../../../src/catalogue/problems.js';
import { systemClock } from '../../../src/engine/clock.js';
import { createLogger } from '../../../src/log.js';
import { validateCommand } from '../../../src/cli/validate-command.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'firedrill-replica-warnings-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A config whose staging environment runs the built-in rescue drill (ttd 5m) with a replica `delay` late. */
async function config(name: string, delay: string | undefined, extra = ''): Promise<string> {
  const file = path.join(dir, name);
  const replica = delay === undefined ? '' : `\n      delayedReplica: {url: {env: REPLICA_URL}, delay: ${delay}}`;
  await writeFile(
    file,
    [
      'environments:',
      '  staging:',
      '    drills: [drop-orders-table-delayed-replica]',
      '    postgres:',
      '      url: {env: STAGING_URL}',
      `      allowedTables: [public.orders]${replica}`,
      extra,
    ].join('\n'),
  );
  return file;
}

describe('validate and a delayed replica', () => {
  it('is content with a ttd objective well below the delay', async () => {
    expect(await validateFiles([await config('fine.yaml', '15m')])).toEqual([]);
  });

  it('warns, at the delay, when the ttd objective is half the delay or more', async () => {
    const file = await config('close.yaml', '8m');
    expect((await validateFiles([file])).map(formatProblem)).toEqual([
      `${file}:7:${'      delayedReplica: {url: {env: REPLICA_URL}, delay: '.length + 1}: warning: environments.staging.postgres.delayedReplica.delay: ` +
        'drill "drop-orders-table-delayed-replica" allows 5m to notice the drop (ttd), not comfortably below this replica\'s delay of 8m: ' +
        'a drop noticed that late may already be applied on the replica too; keep ttd below half the delay (4m), or delay the replica more',
    ]);
    // A warning, not a problem: the config loads, and validate succeeds.
    const loaded = await loadCatalogue(file);
    expect(loaded.ok && loaded.warnings.length).toBe(1);
    const out: string[] = [];
    const err: string[] = [];
    const code = await validateCommand({ env: {}, log: createLogger('silent'), clock: systemClock(), out: (text) => out.push(text), err: (text) => err.push(text) }, [file]);
    expect(code).toBe(0);
    expect(out.join('')).toContain('warning: ');
    expect(err.join('')).toBe(`${file}: no problems, 1 warning(s)\n`);
  });

  it('takes the objective the config overrides', async () => {
    const file = await config('override.yaml', '8m', 'overrides:\n  drop-orders-table-delayed-replica:\n    objectives: {ttd: 3m}\n');
    expect(await validateFiles([file])).toEqual([]);
  });

  it('refuses a rescue drill listed in an environment without a delayed replica, and does not offer it where none is declared', async () => {
    const file = await config('none.yaml', undefined);
    expect((await validateFiles([file])).map(formatProblem)).toEqual([
      expect.stringMatching(
        /none\.yaml:5:7: environments\.staging\.postgres: drill "drop-orders-table-delayed-replica" rescues the table from a delayed replica, but environment "staging" declares none; add delayedReplica: /,
      ),
    ]);
    const open = path.join(dir, 'open.yaml');
    await writeFile(open, 'environments:\n  staging:\n    postgres:\n      url: {env: STAGING_URL}\n      allowedTables: [public.orders]\n    buckets:\n      backups: {bucket: shop-backups}\n');
    const loaded = await loadCatalogue(open);
    if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
    expect(() => effectiveDrill(loaded.catalogue, 'drop-orders-table-delayed-replica', 'staging')).toThrow(
      'drill "drop-orders-table-delayed-replica" rescues the table from a delayed replica, but environment "staging" declares none',
    );
  });
});
