import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findEvent } from '../../src/engine/events.js';
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
});
