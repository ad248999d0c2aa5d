import { describe, expect, it } from 'vitest';
import { Config } from '../../../src/config/config-schema.js';
import { Drill } from '../../../src/catalogue/drill-schema.js';
import type { Catalogue } from '../../../src/catalogue/load.js';
import { planEnvironmentChecks } from '../../../src/live-check/plan.js';
import type { LiveCheckPorts, LiveDatabase } from '../../../src/live-check/ports.js';
import type { CheckLine } from '../../../src/live-check/report.js';
import { checkEnvironment } from '../../../src/live-check/run.js';

const drill = Drill.parse({
  id: 'drop-orders',
  title: 'orders dropped',
  kind: 'drop-table',
  severity: 'low',
  target: { table: 'public.orders' },
  objectives: { rto: '1m' },
  steadyState: { probes: [{ type: 'sql', query: 'select true' }] },
  recovery: { mode: 'manual' },
  maxDuration: '1m',
});

function catalogue(): Catalogue {
  const config = Config.parse({ environments: { staging: { postgres: { url: { env: 'DB_URL' }, allowedTables: ['public.orders'] } } } });
  return { configPath: 'firedrill.yaml', configDir: '/nowhere', config, drills: new Map([[drill.id, { drill, file: '/nowhere/drop.yaml' }]]) };
}

/** Ports whose database is `database`; everything else is never reached in these tests. */
function ports(database: LiveDatabase): LiveCheckPorts {
  const unused = () => {
    throw new Error('not reached');
  };
  return { database: async () => database, cluster: unused, bucket: unused, circle: unused, file: unused };
}

async function check(database: LiveDatabase, timeoutMs = 50): Promise<CheckLine[]> {
  const lines: CheckLine[] = [];
  const plan = planEnvironmentChecks(catalogue(), 'staging', [drill]);
  await checkEnvironment(plan, { ports: ports(database), configDir: '/nowhere', env: { DB_URL: 'postgres://x@db/shop' }, timeoutMs, report: (line) => lines.push(line) });
  return lines;
}

describe('the live check of a database', () => {
  it('gives up on a server that never answers, and says so', async () => {
    let closed = false;
    const lines = await check({
      label: 'db:5432/shop',
      identify: () => new Promise(() => undefined),
      missingTables: async () => [],
      close: async () => void (closed = true),
    });
    expect(lines.at(-1)).toMatchObject({ status: 'failed', subject: 'database db:5432/shop', detail: 'cannot connect: database db:5432/shop: no answer within 50ms' });
    expect(closed).toBe(true);
  });

  it('asks nothing more of a server that says it is a production database', async () => {
    const asked: string[] = [];
    const lines = await check({
      label: 'db:5432/shop',
      identify: async () => ({ database: 'shop_production', version: '16.4' }),
      missingTables: async (tables) => (asked.push(...tables), []),
      close: async () => undefined,
    });
    expect(lines.at(-1)).toMatchObject({ status: 'refused', subject: 'database db:5432/shop', detail: expect.stringContaining('"shop_production", which looks like production') });
    expect(asked).toEqual([]);
  });

  it('reports each allowed table present or missing', async () => {
    const lines = await check({ label: 'db:5432/shop', identify: async () => ({ database: 'shop', version: '16.4' }), missingTables: async () => [], close: async () => undefined });
    expect(lines.map((line) => `${line.status} ${line.subject}`)).toEqual(['ok drill drop-orders', 'ok secret environments.staging.postgres.url', 'ok database db:5432/shop', 'ok table public.orders']);
  });
});
