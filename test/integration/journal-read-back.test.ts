import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunStore } from '../../src/engine/ports.js';
import { openPostgresRunStore } from '../../adapters/postgres/run-store.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

let postgres: TestPostgres;
let store: RunStore;
let raw: pg.Pool;

beforeAll(async () => {
  postgres = await startTestPostgres();
  await postgres.createDatabase('firedrill');
  store = await openPostgresRunStore(postgres.url('firedrill'));
  raw = new pg.Pool({ connectionString: postgres.url('firedrill') });
});

afterAll(async () => {
  await raw?.end();
  await store?.close();
  await postgres?.stop();
});

async function newRun(environment: string): Promise<string> {
  const created = await store.createRun({ drill: 'drop-orders', environment });
  if (!created.ok) throw new Error('no run');
  return created.runId;
}

describe('the journal, read back from the store', () => {
  it('reports a damaged event with its run and sequence number instead of passing it on', async () => {
    const runId = await newRun('damaged-event');
    await store.append(runId, { type: 'injected' });
    const damaged = await store.append(runId, { type: 'detected', by: { source: 'cli', name: 'alice' } });
    await raw.query(`update firedrill_run_events set body = jsonb_set(body, '{by,source}', '"pager"') where seq = $1`, [damaged.seq]);

    await expect(store.events(runId)).rejects.toThrow(`run ${runId}: journal event ${damaged.seq} (detected) is damaged: by.source:`);
  });

  it('reports a damaged scorecard with its run', async () => {
    const runId = await newRun('damaged-scorecard');
    await store.finish(runId, 'aborted', { runId, outcome: 'maybe' });
    await expect(store.scorecard(runId)).rejects.toThrow(`run ${runId}: the stored scorecard is damaged:`);
  });

  it('gives back what was appended, with nothing added', async () => {
    const runId = await newRun('intact');
    const appended = await store.append(runId, { type: 'timed-out', maxDurationMs: 1000, stillRed: ['probe 1: red'] });
    expect(await store.events(runId)).toEqual([appended]);
    expect(await store.scorecard(runId)).toBeNull();
  });
});
