import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTableBackups } from '../../adapters/postgres/table-backup.js';
import { addBackupCommands } from '../../src/cli/backup-program.js';
import type { CliContext } from '../../src/cli/context.js';
import { cliActor } from '../../src/cli/identity.js';
import { systemClock } from '../../src/engine/clock.js';
import { runCli } from '../support/cli.js';
import { startDrillWorld, type DrillWorld } from '../support/drill-world.js';

let world: DrillWorld;
let dir: string;
let config: string;

beforeAll(async () => {
  world = await startDrillWorld();
  dir = await mkdtemp(join(tmpdir(), 'firedrill-backup-cli-'));
  config = join(dir, 'firedrill.yaml');
  // Its database URL is in a variable nobody sets: a refusal must come before any use of it.
  const locked = world.environmentYaml('locked').replace('  locked:\n', '  locked:\n    protected: true\n').replace('TEST_STAGING_URL', 'UNSET_DATABASE_URL');
  await writeFile(config, `environments:\n${world.environmentYaml('staging')}${locked}`);
  await world.staging.query('create table public.customers (id int primary key)');
});

afterAll(async () => {
  await world?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** The CLI's backup and restore commands in this process: its parsing, checks and output, without a process start per call. */
async function inProcess(args: string[]): Promise<{ code: number | undefined; out: string; error?: Error }> {
  let out = '';
  let code: number | undefined;
  const context: CliContext = { env: world.env, log: pino({ level: 'silent' }), clock: systemClock(), out: (text) => void (out += text), err: (text) => void (out += text) };
  const program = new Command('firedrill').exitOverride().configureOutput({ writeOut: (text) => void (out += text), writeErr: () => undefined });
  addBackupCommands(program, context, () => config, (as) => cliActor(world.env, as, () => 'tester'), (value) => (code = value));
  try {
    await program.parseAsync(['node', 'firedrill', ...args]);
  } catch (error) {
    return { code, out, error: error as Error };
  }
  return { code, out };
}

const backups = () => listTableBackups(world.backups, 'public.orders');

describe('firedrill backup and restore', () => {
  it('explain themselves with --help', async () => {
    const backup = await inProcess(['backup', '--help']);
    expect(backup.out).toContain('Usage: firedrill backup [options] <table>');
    expect(backup.out).toContain('-e, --env <environment>');
    const restore = await inProcess(['restore', '--help']);
    expect(restore.out).toContain('Usage: firedrill restore [options] <table>');
    expect(restore.out).toContain('--at <time>');
  });

  it('backs a table up and restores it, as a person types it during a drill', async () => {
    await world.createOrders(12);
    const backup = await runCli(['backup', 'public.orders', '--env', 'staging', '--config', config], { env: world.env });
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/^backed up 12 rows of public\.orders to s3:\/\/backups\/public\.orders\/\d{8}T\d{6}\.\d{3}Z\/ \(taken at /);
    const [taken] = await backups();
    expect(taken?.rows).toBe(12);

    // A table that exists is never overwritten.
    const refused = await inProcess(['restore', 'public.orders', '--env', 'staging']);
    expect(refused.error?.message).toBe('the table public.orders already exists; a restore never overwrites a table');
    expect(await world.orderCount()).toBe(12);

    await world.staging.query('drop table public.orders');
    const restored = await runCli(['restore', 'public.orders', '--env', 'staging', '--config', config], { env: world.env });
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stderr).toBe('');
    expect(restored.stdout).toContain(`restored 12 rows of public.orders from the backup taken at ${taken!.takenAt.toISOString()}`);
    expect(await world.orderCount()).toBe(12);
    // The identity sequence goes on where it stood.
    const next = await world.staging.query<{ id: string }>("insert into public.orders (customer) values ('after') returning id");
    expect(Number(next.rows[0]!.id)).toBe(13);
  }, 120_000);

  it('restores the newest backup taken at or before --at', async () => {
    await world.createOrders(3);
    expect((await inProcess(['backup', 'public.orders', '--env', 'staging'])).code).toBe(0);
    await world.createOrders(5);
    expect((await inProcess(['backup', 'public.orders', '--env', 'staging'])).code).toBe(0);
    const [newest, older] = await backups();
    expect([older!.rows, newest!.rows]).toEqual([3, 5]);

    await world.staging.query('drop table public.orders');
    const between = new Date((older!.takenAt.getTime() + newest!.takenAt.getTime()) / 2).toISOString();
    const atOlder = await inProcess(['restore', 'public.orders', '--env', 'staging', '--at', between]);
    expect(atOlder.error).toBeUndefined();
    expect(atOlder.out).toContain(`restored 3 rows of public.orders from the backup taken at ${older!.takenAt.toISOString()}`);
    expect(await world.orderCount()).toBe(3);

    await world.staging.query('drop table public.orders');
    const exactly = await inProcess(['restore', 'public.orders', '--env', 'staging', '--at', newest!.takenAt.toISOString()]);
    expect(exactly.out).toContain('restored 5 rows');
    expect(await world.orderCount()).toBe(5);

    await world.staging.query('drop table public.orders');
    const tooEarly = await inProcess(['restore', 'public.orders', '--env', 'staging', '--at', '2001-01-01T00:00:00Z']);
    expect(tooEarly.error).toMatchObject({ hint: 'give a later --at, or leave it out to restore the newest backup' });
    expect(tooEarly.error?.message).toMatch(/^no backup of public\.orders in s3:\/\/backups\/public\.orders\/ was taken at or before 2001-01-01T00:00:00\.000Z; the oldest was taken at /);
    expect(await world.orderCount()).toBeNull();

    const noZone = await inProcess(['restore', 'public.orders', '--env', 'staging', '--at', '2026-11-30T09:00']);
    expect(noZone.error?.message).toContain('give an ISO date and time with its zone');
  }, 120_000);

  it('refuses a table, an environment or a bucket the drill rules refuse, before connecting or writing anything', async () => {
    await world.createOrders(2);
    const before = (await backups()).length;

    const notAllowed = await inProcess(['backup', 'public.customers', '--env', 'staging']);
    expect(notAllowed.error?.message).toBe(`"public"."customers" is not in the environment's allowedTables (public.orders)`);
    const restoreNotAllowed = await inProcess(['restore', 'public.customers', '--env', 'staging']);
    expect(restoreNotAllowed.error?.message).toContain('is not in the environment\'s allowedTables');

    const locked = await inProcess(['backup', 'public.orders', '--env', 'locked']);
    expect(locked.error?.message).toBe('environment "locked" is protected: firedrill never injects faults into it');
    const lockedRestore = await inProcess(['restore', 'public.orders', '--env', 'locked']);
    expect(lockedRestore.error?.message).toContain('is protected');

    const typo = await inProcess(['backup', 'public.orders', '--env', 'stagin']);
    expect(typo.error?.message).toContain('unknown environment "stagin"; did you mean "staging"?');
    const bucket = await inProcess(['backup', 'public.orders', '--env', 'staging', '--bucket', 'backup']);
    expect(bucket.error?.message).toBe('environment "staging" has no bucket named "backup"; did you mean "backups"?');

    expect((await backups()).length).toBe(before);
    expect((await world.staging.query("select count(*)::int as n from public.customers")).rows[0]).toEqual({ n: 0 });
  }, 120_000);
});
