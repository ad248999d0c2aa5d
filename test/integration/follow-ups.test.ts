import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresRunStore } from '../../adapters/postgres/run-store.js';
import { loadCatalogue, type Catalogue } from '../../src/catalogue/load.js';
import type { ChatAdapter, ChatRequest } from '../../src/chat/adapter.js';
import { createChatHandler } from '../../src/chat/handler.js';
import type { ChatMessage } from '../../src/chat/message.js';
import { systemClock } from '../../src/engine/clock.js';
import type { RunStore, RuntimeFactory } from '../../src/engine/ports.js';
import { snapshot } from '../../src/engine/run-drill.js';
import { ScoredRunError } from '../../src/engine/scored-run-error.js';
import { followUpsOf } from '../../src/followups/follow-ups.js';
import { scoreRun } from '../../src/scoring/score-run.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

let postgres: TestPostgres;
let store: RunStore;
let catalogue: Catalogue;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firedrill-follow-ups-'));
  await writeFile(
    join(dir, 'firedrill.yaml'),
    'environments:\n  staging:\n    chat:\n      signal: [U1, U2]\n      channels: [C1]\n  quiet: {}\n',
  );
  const loaded = await loadCatalogue(join(dir, 'firedrill.yaml'));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  catalogue = loaded.catalogue;
  postgres = await startTestPostgres();
  await postgres.createDatabase('firedrill');
  store = await openPostgresRunStore(postgres.url('firedrill'));
});

afterAll(async () => {
  await store?.close();
  await postgres?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A drop-table run that passed, journaled and finished as the engine does it. */
async function finishedRun(environment: string): Promise<string> {
  const created = await store.createRun({ drill: 'drop-orders-table', environment });
  if (!created.ok) throw new Error(`an active run in ${environment}`);
  const { drill } = catalogue.drills.get('drop-orders-table')!;
  await store.append(created.runId, { type: 'run-created', drill: snapshot(drill), environment, requestedBy: 'alice' });
  await store.append(created.runId, { type: 'injected' });
  await store.append(created.runId, { type: 'recovered', stableForMs: 1_000, sawOutage: true });
  await store.append(created.runId, { type: 'verified', ok: true });
  const scorecard = scoreRun(created.runId, await store.events(created.runId));
  await store.append(created.runId, { type: 'scored', outcome: scorecard.outcome });
  await store.finish(created.runId, scorecard.outcome, scorecard);
  return created.runId;
}

function chat() {
  const replies: ChatMessage[] = [];
  const adapter: ChatAdapter = {
    platform: 'slack',
    ownsChannel: () => true,
    start: async () => undefined,
    stop: async () => undefined,
    post: async (channel) => ({ channel, id: '1' }),
    update: async () => undefined,
    reply: async (_to, message) => void replies.push(message),
  };
  const handler = createChatHandler({
    catalogue,
    store,
    clock: systemClock(),
    runtimes: {} as RuntimeFactory,
    log: pino({ level: 'silent' }),
    adapter,
    drillsIn: () => [],
    stop: new AbortController().signal,
  });
  return {
    async say(text: string, user = 'U1', channel = 'C1'): Promise<ChatMessage> {
      const request: ChatRequest = { text, user: { id: user, label: `<@${user}>`, groups: [] }, channel };
      await handler.handle(request);
      return replies.at(-1)!;
    },
  };
}

describe('follow-ups in the PostgreSQL store', () => {
  it('a scored run takes learnings and action items, and nothing else; its scorecard stays as it was', async () => {
    const runId = await finishedRun('staging');
    const scorecard = await store.scorecard(runId);
    await store.append(runId, { type: 'learning-added', text: 'the backup was 6 h old', by: 'alice' });
    await store.append(runId, { type: 'action-added', id: 'abcde', text: 'back up hourly', owner: '@bob', due: null, by: 'alice' });
    await store.append(runId, { type: 'action-done', id: 'abcde', by: 'bob' });
    const refused = store.append(runId, { type: 'detected', by: { source: 'cli', name: 'late' } });
    await expect(refused).rejects.toBeInstanceOf(ScoredRunError);
    await expect(refused).rejects.toThrow(`run ${runId} is scored and finished: its journal takes only learning-added, action-added, action-done, not detected`);
    const events = await store.events(runId);
    expect(events.map((event) => event.type).slice(-4)).toEqual(['scored', 'learning-added', 'action-added', 'action-done']);
    expect(await store.scorecard(runId)).toEqual(scorecard);
    expect(scoreRun(runId, events)).toEqual(scorecard);
  });

  it('a run scored but not finished (its owner died in between) still takes what recovery journals', async () => {
    const created = await store.createRun({ drill: 'drop-orders-table', environment: 'crashed' });
    if (!created.ok) throw new Error('no run');
    await store.append(created.runId, { type: 'scored', outcome: 'pass' });
    await store.append(created.runId, { type: 'failed', error: 'firedrill stopped in the middle of this run' });
    await store.finish(created.runId, 'aborted', null);
    await expect(store.append(created.runId, { type: 'rolled-back' })).rejects.toBeInstanceOf(ScoredRunError);
  });

  it('keeps action ids unique across runs', async () => {
    const [one, two] = [await finishedRun('quiet'), await finishedRun('quiet')];
    await store.append(one, { type: 'action-added', id: 'uniq2', text: 'x', owner: null, due: null, by: 'alice' });
    await expect(store.append(two, { type: 'action-added', id: 'uniq2', text: 'y', owner: null, due: null, by: 'alice' })).rejects.toThrow(/duplicate key/);
  });

  it('lists action items: open or done, by environment, most pressing first, limited; and finds one by id', async () => {
    const staging = await finishedRun('staging');
    const quiet = await finishedRun('quiet');
    const add = (runId: string, id: string, due: string | null) => store.append(runId, { type: 'action-added', id, text: `do ${id}`, owner: null, due, by: 'alice' });
    await add(staging, 'list2', '2031-05-01');
    await add(staging, 'list3', null);
    await add(staging, 'list4', '2030-01-01');
    await add(quiet, 'list5', '2029-01-01');
    await store.append(staging, { type: 'action-done', id: 'list4', by: 'bob' });
    await store.append(staging, { type: 'action-done', id: 'list4', by: 'carol' });
    const ids = (items: { id: string }[]) => items.map((item) => item.id).filter((id) => id.startsWith('list'));
    expect(ids(await store.actionItems({ open: true, environment: 'staging' }))).toEqual(['list2', 'list3']);
    expect(ids(await store.actionItems({ environment: 'staging' }))).toEqual(['list2', 'list3', 'list4']);
    expect(ids(await store.actionItems({ open: false }))).toEqual(['list4']);
    expect(ids(await store.actionItems({ open: true }))).toEqual(['list5', 'list2', 'list3']);
    expect(await store.actionItems({ open: true, limit: 1 })).toHaveLength(1);
    const done = await store.actionItem('list4');
    expect(done).toMatchObject({ id: 'list4', runId: staging, text: 'do list4', due: '2030-01-01', createdBy: 'alice', doneBy: 'bob' });
    // The store and the journal agree.
    expect(followUpsOf(await store.events(staging), staging).actions.find((action) => action.id === 'list4')).toEqual(done);
    expect(await store.actionItem('nope9')).toBeUndefined();
  });
});

describe('follow-ups from chat, on the real store', () => {
  it('learned, action and done: journaled with who said so; done twice is done once', async () => {
    const runId = await finishedRun('staging');
    const talk = chat();
    const short = runId.slice(0, 8);
    expect((await talk.say(`learned ${short} nobody looked at the   orders dashboard`)).title).toBe(`Learning added to drop-orders-table in staging (run ${short})`);
    const added = await talk.say(`action ${short} put the orders dashboard on the wall <@U2> due 2099-01-31`, 'U2');
    const id = /^Action ([a-z0-9]{5}) added/.exec(added.title)?.[1];
    expect(id, added.title).toBeDefined();
    expect(added.lines).toEqual(['put the orders dashboard on the wall', 'owner: <@U2>; due: 2099-01-31', `when it is done: done ${id}`]);
    expect((await talk.say(`done ${id!.toUpperCase()}`, 'U2')).title).toBe(`Action ${id} done`);
    const again = await talk.say(`done ${id}`, 'U1');
    expect(again.title).toBe(`Action ${id} was already done`);
    expect(again.lines[1]).toMatch(/^done by <@U2> at /);
    const { learnings, actions } = followUpsOf(await store.events(runId), runId);
    expect(learnings.map(({ text, by }) => ({ text, by }))).toEqual([{ text: 'nobody looked at the orders dashboard', by: '<@U1>' }]);
    expect(actions).toEqual([expect.objectContaining({ id, owner: '<@U2>', due: '2099-01-31', createdBy: '<@U2>', doneBy: '<@U2>' })]);
    const events = await store.events(runId);
    expect(events.filter((event) => event.type === 'action-done')).toHaveLength(1);
    expect(events.find((event) => event.type === 'learning-added')).toMatchObject({ identity: { realm: 'slack', id: 'U1' } });
  });

  it("refuses who may not signal in the run's environment, elsewhere than its channels, and bad dates, saying why", async () => {
    const runId = await finishedRun('staging');
    const quiet = await finishedRun('quiet');
    const talk = chat();
    const short = runId.slice(0, 8);
    expect(await talk.say(`learned ${short} x`, 'U9')).toMatchObject({ title: '<@U9> may not report detection or recovery in staging', lines: ['ask one of: U1, U2'] });
    expect((await talk.say(`learned ${short} x`, 'U1', 'C2')).title).toBe('staging does not take drill commands in this channel');
    expect((await talk.say(`learned ${quiet.slice(0, 8)} x`)).title).toBe('nobody may report detection or recovery in quiet from chat: it has no chat permissions');
    expect((await talk.say(`action ${short} fix it due 2099-02-30`)).title).toBe('due date 2099-02-30 is not a day of the calendar');
    expect((await talk.say(`action ${short} fix it due 31/12/2099`)).title).toBe('due date "31/12/2099" is not YYYY-MM-DD');
    expect((await talk.say('done zzzzz')).title).toBe('no action zzzzz');
    expect((await store.events(runId)).filter((event) => event.type.endsWith('-added'))).toEqual([]);
  });
});
