import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../../src/catalogue/load.js';
import { formatProblem } from '../../../src/catalogue/problems.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'firedrill-backup-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ENVIRONMENTS = `environments:
  staging:
    postgres:
      url: { env: STAGING_URL }
      allowedTables: [public.orders]
    buckets:
      backups: { bucket: acme-staging-backups }
  two-buckets:
    drills: []
    postgres:
      url: { env: STAGING_URL }
      allowedTables: [public.orders]
    buckets:
      a: { bucket: acme-a }
      b: { bucket: acme-b }
  locked:
    protected: true
    postgres:
      url: { env: STAGING_URL }
      allowedTables: [public.orders]
    buckets:
      backups: { bucket: acme-locked }
`;

async function problems(backups: string): Promise<string[]> {
  const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, `${ENVIRONMENTS}backups:\n${backups}`);
  const result = await loadCatalogue(file);
  return result.ok ? [] : result.problems.map(formatProblem).map((line) => line.replace(file, 'FILE'));
}

describe('backups: in the config', () => {
  it('accepts a table of an environment that allows it, on a cron schedule, keeping some', async () => {
    const file = path.join(dir, 'good.yaml');
    await writeFile(file, `${ENVIRONMENTS}backups:\n  - { table: public.orders, env: staging, schedule: "0 * * * *", keep: 24 }\n  - { table: orders, env: two-buckets, schedule: "30 3 * * *", timezone: Europe/London, bucket: b }\n`);
    const result = await loadCatalogue(file);
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    expect(result.catalogue.config.backups).toEqual([
      { table: 'public.orders', env: 'staging', schedule: '0 * * * *', timezone: 'UTC', keep: 24 },
      { table: 'orders', env: 'two-buckets', schedule: '30 3 * * *', timezone: 'Europe/London', bucket: 'b' },
    ]);
  });

  it('reports every problem at its line, with the fix', async () => {
    expect(
      await problems(
        [
          '  - table: public.orders',
          '    env: stagin',
          '    schedule: "0 * * * *"',
          '  - table: public.customers',
          '    env: staging',
          '    schedule: "0 * * * *"',
          '  - table: public.orders',
          '    env: staging',
          '    schedule: "every hour"',
          '    keep: 0',
          '  - { table: public.orders, env: locked, schedule: "0 * * * *" }',
          '  - { table: public.orders, env: two-buckets, schedule: "0 * * * *" }',
          '  - { table: public.orders, env: staging, schedule: "0 * * * *", bucket: backup }',
          '',
        ].join('\n'),
      ),
    ).toEqual([
      expect.stringMatching(/^FILE:32:\d+: backups\[2\]\.schedule: "every hour" is not a cron expression .*; e\.g\. "0 10 \* \* 3" is Wednesdays at 10:00$/),
      'FILE:33:11: backups[2].keep: must be at least 1, got the number 0',
    ]);
    // The entries above that parse are checked against the environments once the file is valid.
    expect(
      await problems(
        [
          '  - table: public.orders',
          '    env: stagin',
          '    schedule: "0 * * * *"',
          '  - table: public.customers',
          '    env: staging',
          '    schedule: "0 * * * *"',
          '  - { table: public.orders, env: locked, schedule: "0 * * * *" }',
          '  - { table: public.orders, env: two-buckets, schedule: "0 * * * *" }',
          '  - { table: public.orders, env: staging, schedule: "0 * * * *", bucket: backup }',
          '',
        ].join('\n'),
      ),
    ).toEqual([
      expect.stringMatching(/^FILE:25:\d+: backups\[0\]\.env: unknown environment "stagin"; did you mean "staging"\?$/),
      expect.stringMatching(/^FILE:27:\d+: backups\[1\]\.table: public\.customers is not in environments\.staging\.postgres\.allowedTables; /),
      expect.stringMatching(/^FILE:30:\d+: backups\[2\]\.env: environment "locked" is protected/),
      expect.stringMatching(/^FILE:31:\d+: backups\[3\]: environment "two-buckets" has 2 buckets; say which with bucket: \(one of a, b\)$/),
      expect.stringMatching(/^FILE:32:\d+: backups\[4\]\.bucket: environment "staging" has no bucket named "backup"; did you mean "backups"\?$/),
    ]);
  });
});
