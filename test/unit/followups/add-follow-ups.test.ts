import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/config-schema.js';
import type { DrillCatalogue } from '../../../src/catalogue/effective.js';
import { ChatPermissions } from '../../../src/chat/chat-schema.js';
import type { Actor } from '../../../src/engine/actor.js';
import type { Clock } from '../../../src/engine/clock.js';
import type { EventBody, Instant, RunEvent } from '../../../src/engine/events.js';
import type { RunStore, RunSummary } from '../../../src/engine/ports.js';
import { addAction, addLearning, markActionDone } from '../../../src/followups/add-follow-ups.js';
import { followUpsOf } from '../../../src/followups/follow-ups.js';

const RUN_ID = '3f2a9c41-0000-4000-8000-000000000001';

/** One finished run in memory, with what the follow-up operations read and write. */
function world(chat?: unknown) {
  const summary: RunSummary = { id: RUN_ID, drill: 'flag-outage', environment: 'staging', outcome: 'pass', createdAt: '2026-11-30T10:00:00.000Z', finishedAt: '2026-11-30T10:05:00.000Z' };
  const events: RunEvent[] = [];
  let tick = 0;
  const clock: Clock = { now: (): Instant => ({ at: new Date(Date.parse('2026-11-30T12:00:00.000Z') + tick++ * 1000).toISOString(), mono: tick, clock: 'test' }), sleep: async () => undefined };
  const store = {
    findByPrefix: async (prefix: string) => (RUN_ID.startsWith(prefix) ? [summary] : []),
    get: async (id: string) => (id === RUN_ID ? summary : undefined),
    events: async () => [...events],
    append: async (_runId: string, body: EventBody, when: Instant) => {
      const event = { ...body, ...when, seq: events.length + 1 } as RunEvent;
      events.push(event);
      return event;
    },
    actionItem: async (id: string) => followUpsOf(events, RUN_ID).actions.find((action) => action.id === id),
  } as unknown as RunStore;
  const config = { environments: { staging: { protected: false, allowProductionLookingNames: false, buckets: {}, chat: chat === undefined ? undefined : ChatPermissions.parse(chat) } } };
  const catalogue: DrillCatalogue = { configPath: 'firedrill.yaml', config: config as unknown as Config, drills: new Map() };
  const ids = ['k7m2q', 'k7m2q', 'x9y8z'];
  return { events, deps: { catalogue, store, clock, newId: () => ids.shift()! } };
}

const inChat = (id: string, channel = 'C1'): Actor => ({ identity: { realm: 'slack', id }, label: `<@${id}>`, groups: [], via: { kind: 'chat', channel } });
const onCli = (id: string): Actor => ({ identity: { realm: 'os', id }, label: id, groups: [], via: { kind: 'cli' } });

describe('follow-ups: learnings and action items', () => {
  it('journals a learning and an action with owner and due date, on a finished run, by the id prefix', async () => {
    const { events, deps } = world({ signal: ['*'] });
    await addLearning(deps, inChat('U1'), '3f2a', 'the flag service   has no alert');
    const { action } = await addAction(deps, inChat('U2'), '3f2a9c41', { text: 'add an alert on flag errors', owner: '<@U3>', due: '2026-12-15' });
    expect(action).toEqual({ id: 'k7m2q', runId: RUN_ID, text: 'add an alert on flag errors', owner: '<@U3>', due: '2026-12-15', createdBy: '<@U2>', createdAt: '2026-11-30T12:00:01.000Z', doneAt: null, doneBy: null });
    expect(events.map((event) => event.type)).toEqual(['learning-added', 'action-added']);
    expect(events[0]).toMatchObject({ text: 'the flag service has no alert', by: '<@U1>', identity: { realm: 'slack', id: 'U1' } });
    const { learnings, actions } = followUpsOf(events, RUN_ID);
    expect(learnings).toEqual([{ runId: RUN_ID, text: 'the flag service has no alert', by: '<@U1>', at: '2026-11-30T12:00:00.000Z' }]);
    expect(actions).toEqual([action]);
  });

  it('picks another id when the first is taken', async () => {
    const { deps } = world({ signal: ['*'] });
    expect((await addAction(deps, onCli('alice'), '3f2a', { text: 'one' })).action.id).toBe('k7m2q');
    expect((await addAction(deps, onCli('alice'), '3f2a', { text: 'two' })).action.id).toBe('x9y8z');
  });

  it('marks an action done once: a second done changes nothing and says who did it', async () => {
    const { events, deps } = world({ signal: ['*'] });
    await addAction(deps, onCli('alice'), '3f2a', { text: 'rotate the flag service key' });
    const first = await markActionDone(deps, inChat('U2'), 'K7M2Q');
    expect(first).toMatchObject({ alreadyDone: false, action: { id: 'k7m2q', doneBy: '<@U2>' } });
    const second = await markActionDone(deps, onCli('bob'), 'k7m2q');
    expect(second).toMatchObject({ alreadyDone: true, action: { doneBy: '<@U2>', doneAt: first.action.doneAt } });
    expect(events.filter((event) => event.type === 'action-done')).toHaveLength(1);
    await expect(markActionDone(deps, onCli('bob'), 'zzzzz')).rejects.toThrow('no action zzzzz');
  });

  it("follows the environment's signal permission and channels in chat; the command line without chat permissions may", async () => {
    const open = world({ signal: ['U1'], channels: ['C1'] });
    await expect(addLearning(open.deps, inChat('U2'), '3f2a', 'x')).rejects.toThrow('<@U2> may not report detection or recovery in staging');
    await expect(addLearning(open.deps, inChat('U1', 'C9'), '3f2a', 'x')).rejects.toThrow('staging does not take drill commands in this channel');
    await addLearning(open.deps, inChat('U1'), '3f2a', 'x');
    const none = world();
    await expect(addLearning(none.deps, inChat('U1'), '3f2a', 'x')).rejects.toThrow('nobody may report detection or recovery in staging from chat');
    await addLearning(none.deps, onCli('alice'), '3f2a', 'x');
    await addAction(none.deps, onCli('alice'), '3f2a', { text: 'y' });
    await expect(markActionDone(none.deps, inChat('U1'), 'k7m2q')).rejects.toThrow('nobody may');
    expect(none.events.map((event) => event.type)).toEqual(['learning-added', 'action-added']);
  });

  it('checks owner and due date before anything is journaled', async () => {
    const { events, deps } = world({ signal: ['*'] });
    await expect(addAction(deps, onCli('alice'), '3f2a', { text: 'x', owner: 'alice' })).rejects.toThrow('is not an @mention');
    await expect(addAction(deps, onCli('alice'), '3f2a', { text: 'x', due: '2026-02-30' })).rejects.toThrow('is not a day of the calendar');
    await expect(addAction(deps, onCli('alice'), '3f2a', { text: 'x', due: '2026-11-29' })).rejects.toThrow('is in the past');
    await expect(addAction(deps, onCli('alice'), 'ffff', { text: 'x' })).rejects.toThrow('no run ffff');
    expect(events).toEqual([]);
  });
});
