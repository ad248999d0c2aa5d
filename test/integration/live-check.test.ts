import { once } from 'node:events';
import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { startDrillWorld, type DrillWorld } from '../support/drill-world.js';

let world: DrillWorld;
let dir: string;
/** A TCP port that counts who connects to it: a refused target must see nobody. */
let trap: { server: Server; port: number; connections: number };

beforeAll(async () => {
  world = await startDrillWorld();
  await world.createOrders(5);
  dir = await mkdtemp(join(tmpdir(), 'firedrill-live-'));
  const server = createServer((socket) => {
    trap.connections++;
    socket.destroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  trap = { server, port: (server.address() as { port: number }).port, connections: 0 };
});

afterAll(async () => {
  trap?.server.close();
  await world?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface EnvironmentSpec {
  name?: string;
  drills?: string[] | undefined;
  urlVariable?: string;
  allowedTables?: string[];
  prefix?: string;
  extra?: string[];
}

/** One environment on the world's database and bucket, by default allowing the built-in drop-orders-table drill. */
function environment(spec: EnvironmentSpec = {}): string {
  const drills = 'drills' in spec ? spec.drills : ['drop-orders-table'];
  return [
    `  ${spec.name ?? 'staging'}:`,
    ...(drills ? [`    drills: [${drills.join(', ')}]`] : []),
    ...(spec.extra ?? []),
    '    postgres:',
    `      url: { env: ${spec.urlVariable ?? 'TEST_STAGING_URL'} }`,
    `      allowedTables: [${(spec.allowedTables ?? ['public.orders']).join(', ')}]`,
    '    buckets:',
    `      backups: { bucket: backups, prefix: "${spec.prefix ?? ''}", endpoint: "${world.s3.endpoint}", forcePathStyle: true, accessKeyIdEnv: TEST_S3_KEY, secretAccessKeyEnv: TEST_S3_SECRET }`,
    '',
  ].join('\n');
}

/** Splits the live check's output into its environments' sections: `name: N drill(s) allowed` starts one. */
function sections(result: CliResult): Map<string, string[]> {
  const found = new Map<string, string[]>();
  let current: string[] = [];
  for (const line of result.stdout.split('\n')) {
    const header = /^([a-z0-9-]+): \d+ drill\(s\) allowed/.exec(line);
    if (header) found.set(header[1]!, (current = []));
    else if (line.startsWith('  ')) current.push(line.trim());
  }
  return found;
}

function withStatus(section: string[] | undefined, status: string): string[] {
  return (section ?? []).filter((line) => line.startsWith(`${status} `));
}

function expectNoStack(result: CliResult): void {
  expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /);
}

describe('firedrill validate --live', () => {
  let all: CliResult;
  let healthy: CliResult;
  let unknown: CliResult;
  let offline: CliResult;
  let trapped: number;

  beforeAll(async () => {
    await world.backupOrders();
    const drillFile = join(dir, 'flags.yaml');
    await writeFile(
      drillFile,
      [
        'id: flags-off',
        'title: feature flags switched off',
        'kind: command',
        'target: { inject: ./flags-off.sh, undo: sh ./flags-on.sh }',
        'severity: low',
        'objectives: { rto: 1m }',
        'steadyState: { probes: [{ type: kubernetes-workloads }] }',
        'recovery: { mode: manual }',
        'maxDuration: 1m',
        '',
      ].join('\n'),
    );
    await writeFile(join(dir, 'flags-off.sh'), '#!/bin/sh\n');
    await chmod(join(dir, 'flags-off.sh'), 0o644);
    const closed = await closedPort();
    const trapUrl = (database: string) => `postgres://firedrill:canary-pw-4242@127.0.0.1:${trap.port}/${database}`;
    const config = join(dir, 'firedrill.yaml');
    await writeFile(
      config,
      [
        `catalogue: [${drillFile}]`,
        'environments:',
        environment({ name: 'healthy' }),
        environment({ name: 'unset-secret', urlVariable: 'TEST_UNSET_DATABASE_URL' }),
        environment({ name: 'unreachable', urlVariable: 'UNREACHABLE_URL' }),
        environment({ name: 'missing-table', allowedTables: ['public.orders', 'public.invoices'] }),
        environment({ name: 'no-backup', prefix: 'nothing-here/' }),
        environment({ name: 'no-bucket' }).replace(world.s3.endpoint, `http://127.0.0.1:${closed}`),
        // No drills: list, so every drill is allowed here, the key-holder drill included.
        environment({ name: 'no-trust', drills: undefined }),
        environment({ name: 'commands', drills: ['flags-off'], extra: ['    kubernetes:', '      kubeconfig: no-such-kubeconfig.yaml', '      allowedNamespaces: [shop]'] }),
        environment({ name: 'parked', urlVariable: 'PARKED_URL', extra: ['    protected: true'] }),
        environment({ name: 'shop-db', urlVariable: 'PROD_URL' }),
      ].join('\n'),
    );
    const env = {
      ...world.env,
      UNREACHABLE_URL: `postgres://firedrill:canary-pw-31337@127.0.0.1:${closed}/staging`,
      PARKED_URL: trapUrl('staging'),
      PROD_URL: trapUrl('shop_prod'),
    };
    const offlineFile = join(dir, 'key-holder-no-trust.yaml');
    await writeFile(offlineFile, `environments:\n${environment({ drills: ['drop-orders-table', 'key-holder-gone'] })}`);
    const before = trap.connections;
    [all, healthy, unknown, offline] = await Promise.all([
      runCli(['validate', '--live', '--config', config], { env }),
      runCli(['validate', '--live', '--config', config, '--env', 'healthy'], { env }),
      runCli(['validate', '--live', '--config', config, '--env', 'healthyy'], { env }),
      runCli(['validate', offlineFile], { env }),
    ]);
    trapped = trap.connections - before;
  }, 120_000);

  it('passes a healthy environment: every check ok, exit 0', () => {
    expect(healthy.code, healthy.stdout + healthy.stderr).toBe(0);
    const section = sections(healthy).get('healthy');
    expect(withStatus(section, 'FAILED')).toEqual([]);
    expect(section).toEqual(expect.arrayContaining([
      'ok       drill drop-orders-table: what it needs is configured (postgres, bucket backups)',
      'ok       secret environments.healthy.postgres.url: set (environment variable TEST_STAGING_URL)',
      expect.stringMatching(/^ok +database 127\.0\.0\.1:\d+\/staging: reachable \(PostgreSQL \d+/),
      'ok       table public.orders: present',
      expect.stringMatching(/^ok +backup of public\.orders in bucket backups: newest complete backup s3:\/\/backups\/public\.orders\/\S+ taken \S+ \(5 rows\)$/),
    ]));
    expect(healthy.stderr).toMatch(/live check: \d+ ok, 0 failed/);
    expect([...sections(healthy).keys()]).toEqual(['healthy']);
  });

  it('checks every environment and exits 1 when any check failed, without a stack trace', () => {
    expect(all.code).toBe(1);
    expect([...sections(all).keys()]).toHaveLength(10);
    expect(withStatus(sections(all).get('healthy'), 'FAILED')).toEqual([]);
    expectNoStack(all);
  });

  it('reports an unset secret with the variable to set, and checks nothing that needs it', () => {
    const section = sections(all).get('unset-secret');
    expect(withStatus(section, 'FAILED')).toEqual([
      'FAILED   secret environments.unset-secret.postgres.url: environment variable TEST_UNSET_DATABASE_URL is not set; fix: set it (export TEST_UNSET_DATABASE_URL=...) or point the config at a file with {file: path}',
    ]);
    expect(withStatus(section, 'skipped')).toEqual([expect.stringMatching(/^skipped +database: not checked/)]);
  });

  it('reports a database that does not answer, without its password', () => {
    expect(withStatus(sections(all).get('unreachable'), 'FAILED')).toEqual([
      expect.stringMatching(/^FAILED +database 127\.0\.0\.1:\d+\/staging: cannot connect: .*ECONNREFUSED.*; fix: check that the server is running and reachable from here/),
    ]);
    expect(all.stdout + all.stderr).not.toContain('canary-pw-31337');
  });

  it('reports an allowed table that is missing', () => {
    expect(withStatus(sections(all).get('missing-table'), 'FAILED')).toEqual([
      expect.stringMatching(/^FAILED +table public\.invoices: missing in 127\.0\.0\.1:\d+\/staging; fix: create \(or restore\) it, or remove it from environments\.missing-table\.postgres\.allowedTables$/),
    ]);
  });

  it('reports a restore runbook whose bucket holds no complete backup', () => {
    expect(withStatus(sections(all).get('no-backup'), 'FAILED')).toEqual([
      expect.stringMatching(/^FAILED +backup of public\.orders in bucket backups: no complete backup of public\.orders in s3:\/\/backups\/nothing-here\/ \(drop-orders-table restores from it\); fix: take a backup/),
    ]);
  });

  it('reports a bucket that cannot be reached', () => {
    expect(withStatus(sections(all).get('no-bucket'), 'FAILED')).toEqual([
      expect.stringMatching(/^FAILED +backup of public\.orders in bucket backups: cannot read s3:\/\/backups\/: cannot reach the S3 endpoint .*ECONNREFUSED.*; fix: check that the server is running/),
    ]);
  });

  it('reports a key-holder drill allowed where the config has no trust: section', () => {
    expect(withStatus(sections(all).get('no-trust'), 'FAILED')).toContainEqual(
      expect.stringMatching(/^FAILED +drill key-holder-gone: key-holder drill key-holder-gone needs the circle of trust, but \S+ has no trust: section; fix: add a trust: section .*or list the drills allowed here in environments\.no-trust\.drills/),
    );
  });

  it('reports an unreadable kubeconfig, a program that is not executable and a missing script', () => {
    const failed = withStatus(sections(all).get('commands'), 'FAILED');
    expect(failed).toContainEqual(expect.stringMatching(/^FAILED +kubeconfig: environment "commands": cannot use its kubeconfig: .*no-such-kubeconfig\.yaml.*; fix: check kubernetes\.kubeconfig/));
    expect(failed).toContainEqual(expect.stringMatching(/^FAILED +program \.\/flags-off\.sh: \S+flags-off\.sh is not executable \(drill flags-off target\.inject\); fix: make it executable/));
    expect(failed).toContainEqual(expect.stringMatching(/^FAILED +script \.\/flags-on\.sh: \S+flags-on\.sh is missing \(drill flags-off target\.undo\); fix: create it/));
    expect(failed).toHaveLength(3);
  });

  it('refuses a protected environment and a production-looking database without connecting to either', () => {
    expect(sections(all).get('parked')).toEqual([expect.stringMatching(/^REFUSED +environment parked: environment "parked" is protected.*nothing of it was checked or connected to$/)]);
    expect(withStatus(sections(all).get('shop-db'), 'REFUSED')).toEqual([
      expect.stringMatching(/^REFUSED +database 127\.0\.0\.1:\d+\/shop_prod: .*looks like a production database: not connected to.*; fix: set allowProductionLookingNames: true on shop-db/),
    ]);
    expect(trapped).toBe(0);
    expect(all.stdout + all.stderr).not.toContain('canary-pw-4242');
  });

  it('names the known environments for an unknown one', () => {
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown environment "healthyy"; did you mean "healthy"?');
  });

  it('offline, reports a key-holder drill listed in an environment while the config has no trust: section', () => {
    expect(offline.code).toBe(1);
    expect(offline.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/key-holder-no-trust\.yaml:3:\d+: environments\.staging\.drills\[1\]: drill "key-holder-gone" is a key-holder drill, but the config has no trust: section; add a trust: section/),
    ]);
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}
