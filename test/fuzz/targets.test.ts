import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Environment } from '../../src/config/config-schema.js';
import { Drill } from '../../src/catalogue/drill-schema.js';
import { runtimeFactory } from '../../src/compose/index.js';
import { productionRefusal } from '../../src/compose/kube-environment.js';
import { systemClock } from '../../src/engine/clock.js';
import { environmentRefusal, looksLikeProduction } from '../../src/engine/environment-guard.js';
import type { RunEvent } from '../../src/engine/events.js';
import { Journal } from '../../src/engine/journal.js';
import { preflight } from '../../src/engine/preflight.js';
import type { RunStore } from '../../src/engine/ports.js';
import type { KubeContext } from '../../adapters/kubernetes/kube-context.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';
import { RUNS } from './support.js';

const PRODUCTION_WORDS = ['prod', 'production', 'prd', 'live', 'PROD', 'Production', 'LIVE', 'Prd'];
/** Innocent words, some of them spelt with a production word inside (not as a word of its own). */
const OTHER_WORDS = ['staging', 'stage', 'shop', 'qa', 'dev', 'test', 'eu', 'db', 'orders', 'products', 'prodigy', 'olive', 'alive', 'deliver', 'livery', 'sprd', 'k8s'];
const SEPARATORS = ['-', '_', '.', '/', ':', ' ', '@'];

interface Name {
  text: string;
  /** Whether a production word appears as a word of its own. */
  production: boolean;
}

/** Names made of words, with production words among them or not, joined by any separator (and digits around). */
function name(separators: readonly string[], lowerCase = false): fc.Arbitrary<Name> {
  const word = fc.oneof(
    fc.constantFrom(...PRODUCTION_WORDS).map((text) => ({ text, production: true })),
    { weight: 2, arbitrary: fc.constantFrom(...OTHER_WORDS).map((text) => ({ text, production: false })) },
  );
  const digits = fc.oneof(fc.constant(''), fc.integer({ min: 0, max: 99 }).map(String));
  return fc
    .tuple(fc.array(fc.tuple(word, digits), { minLength: 1, maxLength: 4 }), fc.array(fc.constantFrom(...separators), { minLength: 4, maxLength: 4 }))
    .map(([words, joints]) => ({
      text: words.map(([w, d], i) => `${i ? joints[i - 1] : ''}${w.text}${d}`).join(''),
      production: words.some(([w]) => w.production),
    }))
    .map((n) => (lowerCase ? { ...n, text: n.text.toLowerCase() } : n));
}

describe('fuzz: generated environments (environment guard)', () => {
  it('refuses every protected environment and every production-looking name unless explicitly allowed', () => {
    fc.assert(
      fc.property(name(['-'], true), fc.boolean(), fc.boolean(), (environmentName, isProtected, allow) => {
        const environment: Environment = { protected: isProtected, allowProductionLookingNames: allow, buckets: {} };
        const refusal = environmentRefusal(environmentName.text, environment);
        if (isProtected || (environmentName.production && !allow)) expect(refusal, environmentName.text).toBeDefined();
        expect(environmentRefusal('staging', { ...environment, protected: false })).toBeUndefined();
      }),
      { numRuns: RUNS.quick },
    );
  });

  it('finds a production word in hosts, databases, contexts and servers however they are separated', () => {
    fc.assert(
      fc.property(name(SEPARATORS), fc.boolean(), (text, allow) => {
        if (text.production) expect(looksLikeProduction(text.text), text.text).toBe(true);
        const kube = { contextName: text.text, server: 'https://10.0.0.1:6443' } as KubeContext;
        const refusal = productionRefusal(kube, 'staging', { protected: false, allowProductionLookingNames: allow, buckets: {} });
        if (text.production && !allow) expect(refusal).toBeDefined();
        if (allow) expect(refusal).toBeUndefined();
      }),
      { numRuns: RUNS.quick },
    );
  });
});

/** A journal that keeps events in memory: preflight needs nothing else of a store. */
function memoryJournal(): Journal {
  let seq = 0;
  const events: RunEvent[] = [];
  const store = {
    append: async (_runId: string, body: object, when: object) => {
      const event = { seq: ++seq, ...when, ...body } as unknown as RunEvent;
      events.push(event);
      return event;
    },
    events: async () => events,
  } as unknown as RunStore;
  return new Journal('fuzz-run', store, systemClock());
}

const NO_COMMANDS = { started: async () => { throw new Error('no command may start in preflight'); }, ended: async () => undefined };

describe('fuzz: generated drop-table targets (preflight against a real PostgreSQL)', () => {
  let postgres: TestPostgres;
  let staging: pg.Pool;
  let trap: { server: Server; port: number; connections: number };

  beforeAll(async () => {
    postgres = await startTestPostgres();
    await postgres.createDatabase('staging');
    staging = new pg.Pool({ connectionString: postgres.url('staging'), max: 2 });
    await staging.query('create table public.orders (id int primary key); insert into public.orders values (1), (2), (3)');
    await staging.query('create table public.customers (id int primary key); insert into public.customers values (1)');
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
    await staging?.end();
    await postgres?.stop();
  });

  it('refuses protected and production-looking targets without connecting, and tables outside allowedTables without dropping anything', async () => {
    const TABLES = ['public.orders', 'orders', 'public.customers', 'audit.log'];
    const target = fc.record({
      environmentName: name(['-'], true),
      isProtected: fc.boolean(),
      allow: fc.boolean().map((b) => b && Math.random() < 0.3),
      database: name(['_', '-']),
      scheme: fc.constantFrom('postgres', 'postgresql'),
      query: fc.constantFrom('', '?sslmode=disable', '?application_name=firedrill', '?connect_timeout=5'),
      table: fc.constantFrom(...TABLES),
      allowedTables: fc.subarray(TABLES, { minLength: 1 }),
    });
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(target, async (t) => {
        tried++;
        const guarded = t.isProtected || (!t.allow && (t.environmentName.production || t.database.production));
        // Only a target the guard must allow reaches the real server; every other one points at the trap.
        const url = guarded
          ? `${t.scheme}://firedrill:canary@127.0.0.1:${trap.port}/${encodeURIComponent(t.database.text)}${t.query}`
          : `${t.scheme}:${postgres.url('staging').slice(postgres.url('staging').indexOf('//'))}${t.query}`;
        const environment: Environment = {
          protected: t.isProtected,
          allowProductionLookingNames: t.allow,
          buckets: {},
          postgres: { url: { env: 'FUZZ_DATABASE_URL' }, allowedTables: t.allowedTables },
        };
        const drill = Drill.parse({
          id: 'fuzz-drop',
          title: 'fuzz',
          kind: 'drop-table',
          severity: 'low',
          target: { table: t.table },
          objectives: { rto: '1m' },
          steadyState: { probes: [{ type: 'sql', query: 'select true' }] },
          recovery: { mode: 'manual' },
          maxDuration: '1m',
        });
        const before = trap.connections;
        const runtime = await runtimeFactory({ configDir: process.cwd(), env: { FUZZ_DATABASE_URL: url } }).runtimeFor(drill, t.environmentName.text, environment, 'fuzz-run', NO_COMMANDS);
        let refusal: string | undefined;
        try {
          refusal = await preflight(memoryJournal(), t.environmentName.text, environment, runtime);
        } finally {
          await runtime.close();
        }
        const qualified = (table: string) => (table.includes('.') ? table : `public.${table}`);
        const outsideAllowlist = !t.allowedTables.map(qualified).includes(qualified(t.table));
        if (guarded) {
          expect(refusal, JSON.stringify(t)).toBeDefined();
          expect(trap.connections - before, `connected to a refused target: ${JSON.stringify(t)}`).toBe(0);
        }
        // A stricter guard may refuse a name this oracle takes for staging first: any refusal then, else the allowlist's.
        else if (outsideAllowlist) expect(refusal, JSON.stringify(t)).toMatch(/target table allowed: .* is not in the environment.s allowedTables|looks like production/);
      }),
      { numRuns: RUNS.slow },
    );
    expect(tried).toBe(RUNS.slow);
    // Preflight only reads: every table is still there with its rows, and nothing was copied aside.
    const counts = await staging.query<{ orders: string; customers: string; safety: string }>(
      "select (select count(*) from public.orders) as orders, (select count(*) from public.customers) as customers, (select count(*) from information_schema.schemata where schema_name like 'firedrill%') as safety",
    );
    expect(counts.rows[0]).toEqual({ orders: '3', customers: '1', safety: '0' });
  });

  /**
   * The same database spelt the ways the driver reads a URL: percent-encoded, or left out so that
   * the user name is taken, or joined to another word (`?database=` is not one: pg ignores it).
   * The guard judges the connection pg will make, so none of them reaches the server.
   */
  it('refuses a production-looking database however the URL spells it (issue 11 item 1)', async () => {
    const spelling = fc.record({
      word: fc.constantFrom('prod', 'production', 'prd', 'live'),
      around: fc.constantFrom('', 'shop_', 'eu-'),
      how: fc.constantFrom('path', 'percent', 'user', 'joined'),
    });
    await fc.assert(
      fc.asyncProperty(spelling, async ({ word, around, how }) => {
        const database = `${around}${word}`;
        const base = `postgres://%USER%:canary@127.0.0.1:${trap.port}`;
        const url = {
          path: `${base.replace('%USER%', 'firedrill')}/${database}`,
          percent: `${base.replace('%USER%', 'firedrill')}/${[...database].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('')}`,
          user: base.replace('%USER%', database),
          // Joined as the issue's examples are (proddb, shopprod): the word begins or ends the name.
          joined: `${base.replace('%USER%', 'firedrill')}/${around === '' ? `${word}db` : `shop${word}`}`,
        }[how];
        const environment: Environment = { protected: false, allowProductionLookingNames: false, buckets: {}, postgres: { url: { env: 'FUZZ_DATABASE_URL' }, allowedTables: ['public.orders'] } };
        const drill = Drill.parse({ id: 'fuzz-drop', title: 'fuzz', kind: 'drop-table', severity: 'low', target: { table: 'public.orders' }, objectives: { rto: '1m' }, steadyState: { probes: [{ type: 'sql', query: 'select true' }] }, recovery: { mode: 'manual' }, maxDuration: '1m' });
        const before = trap.connections;
        const runtime = await runtimeFactory({ configDir: process.cwd(), env: { FUZZ_DATABASE_URL: url } }).runtimeFor(drill, 'staging', environment, 'fuzz-run', NO_COMMANDS);
        try {
          await preflight(memoryJournal(), 'staging', environment, runtime).catch(() => undefined);
        } finally {
          await runtime.close();
        }
        expect(trap.connections - before, url).toBe(0);
      }),
      { numRuns: RUNS.slow },
    );
  });
});
