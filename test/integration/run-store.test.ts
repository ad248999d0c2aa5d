import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findEvent, type RunEvent } from '../../src/engine/events.js';
import type { RunStore } from '../../src/engine/ports.js';
import { FINISHED_UNDO_PARAMS, openPostgresRunStore, openPostgresStores } from '../../adapters/postgres/run-store.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

let postgres: TestPostgres;
let store: RunStore;

beforeAll(async () => {
  postgres = await startTestPostgres();
  await postgres.createDatabase('firedrill');
  store = await openPostgresRunStore(postgres.url('firedrill'));
});

afterAll(async () => {
  await store?.close();
  await postgres?.stop();
});

describe('the PostgreSQL run store', () => {
  it('keeps an undo with everything it needs until the run finishes, then only its description', async () => {
    const created = await store.createRun({ drill: 'delete-shop', environment: 'staging' });
    if (!created.ok) throw new Error('no run');
    const undo = { action: 'restore-namespaces', description: 're-create namespace shop', params: { secret: 'c2VjcmV0' } };
    await store.append(created.runId, { type: 'undo-recorded', undo });
    expect(findEvent(await store.events(created.runId), 'undo-recorded')?.undo).toEqual(undo);

    await store.finish(created.runId, 'aborted', null);
    const kept = findEvent(await store.events(created.runId), 'undo-recorded')?.undo;
    expect(kept).toEqual({ action: 'restore-namespaces', description: 're-create namespace shop', params: FINISHED_UNDO_PARAMS });
    expect((await store.get(created.runId))?.outcome).toBe('aborted');
  });

  it('says which runs some process holds the claim of, without taking any', async () => {
    const runs: string[] = [];
    for (const environment of ['claims-a', 'claims-b', 'claims-c']) {
      const created = await store.createRun({ drill: 'delete-shop', environment });
      if (!created.ok) throw new Error('no run');
      runs.push(created.runId);
    }
    const [held, free, released] = runs as [string, string, string];
    const claim = await store.claim(held);
    const brief = await store.claim(released);
    await brief!.release();
    expect(await store.claimed(runs)).toEqual(new Set([held]));
    // Looking took nothing: the free run can still be claimed, the held one still cannot.
    const taken = await store.claim(free);
    expect(taken).toBeDefined();
    expect(await store.claim(held)).toBeUndefined();
    expect(await store.claimed(runs)).toEqual(new Set([held, free]));
    await taken!.release();
    await claim!.release();
    expect(await store.claimed(runs)).toEqual(new Set());
    expect(await store.claimed([])).toEqual(new Set());
    for (const runId of runs) await store.finish(runId, 'aborted', null);
  });

  it('keeps telling a watcher after its LISTEN connection is cut, including what was appended meanwhile', async () => {
    const created = await store.createRun({ drill: 'delete-shop', environment: 'feed' });
    if (!created.ok) throw new Error('no run');
    const heard: RunEvent[] = [];
    const unwatch = await store.watch(created.runId, (event) => heard.push(event));
    const other = await openPostgresRunStore(postgres.url('firedrill'));
    const admin = new pg.Client({ connectionString: postgres.url('firedrill') });
    await admin.connect();
    try {
      await other.append(created.runId, { type: 'approved', by: 'bob' });
      await until(() => heard.length === 1);

      // What a database restart or a proxy does to the LISTEN connection.
      const cut = await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where query ilike 'listen %'");
      expect(cut.rowCount).toBeGreaterThan(0);
      await other.append(created.runId, { type: 'abort-requested', by: 'bob', reason: 'during the gap' });
      await until(() => heard.length === 2);
      await other.append(created.runId, { type: 'detected', by: { source: 'cli', name: 'bob' } });
      await until(() => heard.length === 3);
      await new Promise((resolve) => setTimeout(resolve, 300));

      expect(heard.map((event) => event.type)).toEqual(['approved', 'abort-requested', 'detected']);
    } finally {
      await unwatch();
      await admin.end();
      await other.close();
    }
  });
});

describe('the PostgreSQL run store when idle', () => {
  it('keeps the connections it opened at the start when asked to (serve), and lets idle ones close otherwise', async () => {
    const admin = new pg.Client({ connectionString: postgres.url('firedrill') });
    await admin.connect();
    const sessions = async (name: string) => {
      const { rows } = await admin.query<{ count: string }>('select count(*) from pg_stat_activity where application_name = $1', [name]);
      return Number(rows[0]!.count);
    };
    const urlNamed = (name: string) => `${postgres.url('firedrill')}?application_name=${name}`;
    const kept = await openPostgresStores(urlNamed('kept'), { connections: 2, keepConnectionsOpen: true, idleTimeoutMs: 100 });
    const closing = await openPostgresStores(urlNamed('closing'), { connections: 2, idleTimeoutMs: 100 });
    try {
      expect([await sessions('kept'), await sessions('closing')]).toEqual([2, 2]);
      await until(async () => (await sessions('closing')) === 0);
      expect(await sessions('kept')).toBe(2);
      // Busier than that for a while, then idle again: back to the two it keeps.
      await Promise.all(Array.from({ length: 4 }, () => kept.runs.list({ limit: 1 })));
      await until(async () => (await sessions('kept')) <= 2);
      expect(await sessions('kept')).toBe(2);
    } finally {
      await kept.runs.close();
      await closing.runs.close();
      await admin.end();
    }
  });
});

async function until(done: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await done())) {
    if (performance.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
