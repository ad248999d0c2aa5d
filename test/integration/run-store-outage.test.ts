import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresRunStore } from '../../adapters/postgres/run-store.js';
import { openSharedEmbeddedServer, type SharedEmbeddedServer } from '../../adapters/postgres/shared-embedded-server.js';
import type { RunStore } from '../../src/engine/ports.js';
import { embeddedStoreIn, type EmbeddedStoreProbe } from '../support/embedded-store.js';

let stateDir: string;
let server: SharedEmbeddedServer;
let store: RunStore;
let impatient: RunStore;
let probe: EmbeddedStoreProbe;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'firedrill-outage-'));
  probe = embeddedStoreIn(stateDir);
  server = await openSharedEmbeddedServer({ dataDir: join(stateDir, 'store'), openTimeoutMs: 30_000 });
  await server.createDatabase('firedrill');
  store = await openPostgresRunStore(server.url('firedrill'), { outageLimitMs: 60_000 });
  impatient = await openPostgresRunStore(server.url('firedrill'), { outageLimitMs: 500 });
});

afterAll(async () => {
  await probe?.mendConfig();
  await impatient?.close();
  await store?.close();
  await server?.close();
  await rm(stateDir, { recursive: true, force: true });
});

async function newRun(): Promise<string> {
  const created = await store.createRun({ drill: 'flag-outage', environment: `env-${Math.random()}` });
  if (!created.ok) throw new Error('no run');
  return created.runId;
}

describe('the run store through an outage of its database', () => {
  it('journals an event once when the same append is repeated (its first answer lost)', async () => {
    const runId = await newRun();
    const instant = { at: new Date().toISOString(), mono: performance.now(), clock: 'test' };
    const first = await store.append(runId, { type: 'detected', by: { source: 'cli', name: 'bob' } }, instant);
    const again = await store.append(runId, { type: 'detected', by: { source: 'cli', name: 'bob' } }, instant);
    expect(again.seq).toBe(first.seq);
    expect((await store.events(runId)).map((event) => event.seq)).toEqual([first.seq]);
    // Same instant, another event: both are kept.
    const other = await store.append(runId, { type: 'detected', by: { source: 'cli', name: 'carol' } }, instant);
    expect(other.seq).not.toBe(first.seq);
  });

  it('waits out the database being down, and says so (without the password) once past its limit', async () => {
    const runId = await newRun();
    await probe.breakConfig();
    const killed = await probe.killServer();

    // Down: a health check says so at once; a journal append waits. (An idle connection of the
    // pool may have heard the server's last words before the ping took it.)
    await expect(store.ping(1_000)).rejects.toThrow(/ECONNREFUSED|Connection terminated|terminating connection due to unexpected postmaster exit|no answer/);
    const appending = store.append(runId, { type: 'abort-requested', by: 'bob', reason: 'during the outage' });
    const password = (await readFile(join(stateDir, 'store', 'password'), 'utf8')).trim();
    const failure = await impatient.append(runId, { type: 'detected', by: { source: 'cli', name: 'bob' } }).then(
      () => undefined,
      (error: unknown) => error as Error & { hint?: string },
    );
    expect(failure?.message).toMatch(/^the run store has not answered for 500ms \(.+\)$/);
    expect(failure?.message).not.toContain(password);
    expect(failure?.hint).toContain('rolls it back');

    // Back (this process's lease starts it again as soon as it can): the append went through, once.
    await probe.mendConfig();
    const appended = await appending;
    await probe.waitForRunning({ not: killed.pid });
    await store.ping(5_000);
    expect((await store.events(runId)).filter((event) => event.type === 'abort-requested').map((event) => event.seq)).toEqual([appended.seq]);
  });
});
