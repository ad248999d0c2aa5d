import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findEvent, type RunEvent } from '../../src/engine/events.js';
import type { RunStore } from '../../src/engine/ports.js';
import { FINISHED_UNDO_PARAMS, openPostgresRunStore } from '../../adapters/postgres/run-store.js';
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

async function until(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
