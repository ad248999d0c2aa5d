import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { listTableBackups } from '../../adapters/postgres/table-backup.js';
import { loadCatalogue } from '../../src/catalogue/load.js';
import { formatProblem } from '../../src/catalogue/problems.js';
import { serveBackups } from '../../src/cli/serve-backups.js';
import { systemClock } from '../../src/engine/clock.js';
import { startDrillWorld, type DrillWorld } from '../support/drill-world.js';

let world: DrillWorld;
let dir: string;

beforeAll(async () => {
  world = await startDrillWorld();
  dir = await mkdtemp(join(tmpdir(), 'firedrill-serve-backups-'));
});
afterAll(async () => {
  await world?.stop();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.useRealTimers();
});

it('takes the backups: of the config at their cron times, keeps the newest, and says when one fails', async () => {
  const config = join(dir, 'firedrill.yaml');
  await writeFile(config, `environments:\n${world.environmentYaml('staging')}backups:\n  - { table: public.orders, env: staging, schedule: "0 * * * *", keep: 2 }\n`);
  const loaded = await loadCatalogue(config);
  if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
  await world.createOrders(4);
  const lines: string[] = [];
  const context = { env: world.env, log: pino({ level: 'silent' }), clock: systemClock(), out: () => undefined, err: (text: string) => void lines.push(text) };
  const scheduler = serveBackups(context, loaded.catalogue);
  const at = async (iso: string) => {
    vi.setSystemTime(new Date(iso));
    scheduler.tick();
    await scheduler.idle();
  };
  const taken = async () => (await listTableBackups(world.backups, 'public.orders')).map((backup) => backup.rows);

  vi.useFakeTimers({ toFake: ['Date'] });
  await at('2027-03-03T09:59:00Z');
  await at('2027-03-03T09:59:59Z');
  expect(await taken()).toEqual([]);
  expect(scheduler.nextTimes().map((next) => next.at.toISOString())).toEqual(['2027-03-03T10:00:00.000Z']);

  await at('2027-03-03T10:00:00.200Z');
  expect(await taken()).toEqual([4]);
  expect(lines.at(-1)).toMatch(/^\[backup\] backup of public\.orders in staging: 4 rows to s3:\/\/backups\/public\.orders\/\d{8}T\d{6}\.\d{3}Z\/ in \d+\.\ds\n$/);
  // Once per cron time, however often it ticks.
  await at('2027-03-03T10:30:00Z');
  expect(await taken()).toEqual([4]);

  await world.staging.query("insert into public.orders (customer) values ('a')");
  await at('2027-03-03T11:00:01Z');
  await world.staging.query("insert into public.orders (customer) values ('b')");
  await at('2027-03-03T12:00:01Z');
  expect(await taken()).toEqual([6, 5]);
  expect(lines.at(-1)).toContain('; deleted 1 older backup(s), keeping 2');

  await world.staging.query('drop table public.orders');
  await at('2027-03-03T13:00:01Z');
  expect(lines.at(-1)).toBe('[backup] backup of public.orders in staging failed: the table public.orders does not exist\n');
  expect(await taken()).toEqual([6, 5]);
  await scheduler.stop();
}, 120_000);
