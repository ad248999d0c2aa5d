import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Environment } from '../../src/config/config-schema.js';
import { runtimeFactory } from '../../src/compose/index.js';
import { systemClock } from '../../src/engine/clock.js';
import { findEvents } from '../../src/engine/events.js';
import { looksLikeProduction } from '../../src/engine/environment-guard.js';
import type { RunStore } from '../../src/engine/ports.js';
import { runDrill } from '../../src/engine/run-drill.js';
import { openPostgresRunStore } from '../../adapters/postgres/run-store.js';
import { ordersDrill } from '../support/drill-world.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

let postgres: TestPostgres;
let store: RunStore;
let production: pg.Pool;

beforeAll(async () => {
  postgres = await startTestPostgres();
  await postgres.createDatabase('firedrill');
  await postgres.createDatabase('production');
  store = await openPostgresRunStore(postgres.url('firedrill'));
  production = new pg.Pool({ connectionString: postgres.url('production') });
  const password = new URL(postgres.url('production')).password;
  await production.query(`create role production login password '${decodeURIComponent(password)}'`);
  await production.query('create table orders (id int primary key, created_at timestamptz not null default now()); insert into orders (id) values (1), (2)');
});

afterAll(async () => {
  await production?.end();
  await store?.close();
  await postgres?.stop();
});

const ordersLeft = async () => Number((await production.query<{ n: string }>('select count(*) as n from orders')).rows[0]?.n ?? -1);

/** Ways of spelling a connection that all reach the database named production. */
const SPELLINGS: [string, (url: URL) => string][] = [
  ['plain', (url) => `postgres://${url.username}:${url.password}@${url.host}/production`],
  ['percent-encoded', (url) => `postgres://${url.username}:${url.password}@${url.host}/%70roduction`],
  // No database in the URL: the driver takes the user's name, and the role is called production.
  ['database from the user name', (url) => `postgres://production:${url.password}@${url.host}`],
  ['host and port in the query', (url) => `postgres://${url.username}:${url.password}@/production?host=${url.hostname}&port=${url.port}`],
];

describe('the production guard', () => {
  it.each(['preprod', 'prodstaging', 'liveshop', 'proddb', 'shopprod', 'livedata', 'shop-prd', 'eu-production-1', 'ShopProd'])('takes %s for production', (name) => {
    expect(looksLikeProduction(name)).toBe(true);
  });

  it.each(['staging', 'qa-shop', 'products', 'delivery', 'reproduce', '127.0.0.1:5432/shop'])('does not take %s for production', (name) => {
    expect(looksLikeProduction(name)).toBe(false);
  });

  it.each(SPELLINGS)('refuses a database named production however the URL spells it (%s), and drops nothing', async (_how, spell) => {
    const url = spell(new URL(postgres.url('production')));
    const environment: Environment = {
      protected: false,
      allowProductionLookingNames: false,
      buckets: {},
      postgres: { url: { env: 'TARGET_URL' }, allowedTables: ['public.orders'] },
    };
    const { runId, scorecard } = await runDrill(
      { store, clock: systemClock(), runtimes: runtimeFactory({ configDir: '/tmp', env: { TARGET_URL: url } }) },
      { drill: ordersDrill({ rpo: undefined }), environmentName: 'staging', environment, requestedBy: 'alice' },
    );
    expect(scorecard.outcome).toBe('refused');
    const database = findEvents(await store.events(runId), 'preflight-check').find((check) => check.check === 'database allowed');
    expect(database?.ok).toBe(false);
    expect(database?.detail).toMatch(/production/);
    expect(await ordersLeft()).toBe(2);
  });

  it('with the override, journals that a production-looking database was allowed', async () => {
    const environment: Environment = {
      protected: false,
      allowProductionLookingNames: true,
      buckets: {},
      postgres: { url: { env: 'TARGET_URL' }, allowedTables: ['public.nothing'] },
    };
    const { runId } = await runDrill(
      { store, clock: systemClock(), runtimes: runtimeFactory({ configDir: '/tmp', env: { TARGET_URL: postgres.url('production') } }) },
      { drill: ordersDrill({ rpo: undefined }), environmentName: 'staging', environment, requestedBy: 'alice' },
    );
    const database = findEvents(await store.events(runId), 'preflight-check').find((check) => check.check === 'database allowed');
    expect(database?.detail).toMatch(/the server says: database "production".*looks like production, allowed by allowProductionLookingNames on staging/);
    // Refused anyway, by the table allowlist: still nothing dropped.
    expect(await ordersLeft()).toBe(2);
  });
});
