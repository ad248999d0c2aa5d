import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/config-schema.js';
import { Drill } from '../../../src/catalogue/drill-schema.js';
import type { DrillCatalogue } from '../../../src/catalogue/effective.js';
import { ChatPermissions } from '../../../src/chat/chat-schema.js';
import { labelFor, type Actor } from '../../../src/engine/actor.js';
import { systemClock } from '../../../src/engine/clock.js';
import type { EventBody, Identity, Instant, RunEvent } from '../../../src/engine/events.js';
import { statedArrival, TRANSPORT_ALLOWANCE_MS, type Arrival } from '../../../src/engine/arrival.js';
import { reportSignal, type PersonSignal } from '../../../src/engine/person-signals.js';
import type { RunStore, RunSummary } from '../../../src/engine/ports.js';
import { snapshot } from '../../../src/engine/run-drill.js';

const RUN_ID = '3f2a9c41-0000-4000-8000-000000000001';

const drill = (id: string, peopleDetect: boolean) =>
  Drill.parse({
    id,
    title: id,
    kind: 'command',
    target: { inject: 'true', undo: 'true' },
    severity: 'low',
    objectives: { rto: '1m' },
    detection: { chat: peopleDetect, alerts: [{ match: ['alertname=ShopDown'] }] },
    steadyState: { probes: [{ type: 'command', run: 'true' }] },
    recovery: { mode: 'manual' },
    maxDuration: '10m',
  });

/** One active run in memory, with only what reportSignal reads and writes. */
function world(options: { drill?: Drill; chat?: unknown; requester?: { label: string; identity?: Identity }; journal?: EventBody[] } = {}) {
  const theDrill = options.drill ?? drill('flag-outage', true);
  const summary: RunSummary = { id: RUN_ID, drill: theDrill.id, environment: 'staging', outcome: null, createdAt: '2027-03-03T10:00:00Z', finishedAt: null };
  const events: RunEvent[] = [];
  const clock = systemClock();
  const store = {
    active: async () => (summary.finishedAt ? [] : [summary]),
    findByPrefix: async (prefix: string) => (RUN_ID.startsWith(prefix) ? [summary] : []),
    events: async () => [...events],
    append: async (_runId: string, body: EventBody, when: Instant = clock.now()) => {
      const event = { ...body, ...when, seq: events.length + 1 } as RunEvent;
      events.push(event);
      return event;
    },
  } as unknown as RunStore;
  const requester = options.requester ?? { label: 'root (as alice)', identity: { realm: 'os', id: 'root' } };
  void store.append(RUN_ID, { type: 'run-created', drill: snapshot(theDrill), environment: 'staging', requestedBy: requester.label, ...(requester.identity && { requester: requester.identity }) });
  for (const body of options.journal ?? [{ type: 'undo-recorded', undo: { action: 'command', description: 'run `true`', params: {} } }, { type: 'injected' }]) {
    void store.append(RUN_ID, body);
  }
  const config = { environments: { staging: { protected: false, allowProductionLookingNames: false, buckets: {}, chat: options.chat === undefined ? undefined : ChatPermissions.parse(options.chat) } } };
  const catalogue: DrillCatalogue = { configPath: 'firedrill.yaml', config: config as unknown as Config, drills: new Map([[theDrill.id, { drill: theDrill, file: 'drill.yaml' }]]) };
  const signal = (actor: Actor, kind: PersonSignal, prefix: string | undefined = RUN_ID.slice(0, 8), arrival?: Arrival) =>
    reportSignal({ catalogue, store, clock }, actor, kind, prefix, arrival);
  const refusal = (actor: Actor, kind: PersonSignal) =>
    signal(actor, kind).then(
      () => 'accepted',
      (error: Error & { hint?: string }) => `${error.message}${error.hint ? ` | ${error.hint}` : ''}`,
    );
  return { events, signal, refusal, summary };
}

const cli = (id: string, as?: string): Actor => ({ identity: { realm: 'os', id }, label: labelFor(id, as), groups: [], via: { kind: 'cli' } });
const chat = (id: string, channel = 'C1'): Actor => ({ identity: { realm: 'slack', id }, label: `<@${id}>`, groups: [], via: { kind: 'chat', channel } });

describe("a person's signal, the same from chat and the command line", () => {
  it('journals "detected" as ignored, not counted, for a drill whose detection must come from alerts', async () => {
    const { events, signal } = world({ drill: drill('alerts-only', false), chat: { run: ['*'] } });
    const fromCli = await signal(cli('root', 'alice'), 'detected');
    const fromChat = await signal(chat('U1'), 'detected');
    for (const outcome of [fromCli, fromChat]) {
      expect(outcome).toMatchObject({ kind: 'detection-ignored', reason: expect.stringContaining('detection.chat: false') });
    }
    expect(events.filter((event) => event.type === 'detected')).toEqual([]);
    expect(events.filter((event) => event.type === 'signal-ignored')).toMatchObject([
      { by: { source: 'cli', name: 'root (as alice)' }, identity: { realm: 'os', id: 'root' } },
      { by: { source: 'chat', name: '<@U1>' }, identity: { realm: 'slack', id: 'U1' } },
    ]);
  });

  it('counts "detected" where people may report it, with the label and the identity behind it', async () => {
    const { events, signal } = world();
    expect(await signal(cli('bob', 'the on-call'), 'detected')).toMatchObject({ kind: 'detected', beforeInjection: false });
    expect(events.at(-1)).toMatchObject({ type: 'detected', by: { source: 'cli', name: 'bob (as the on-call)' }, identity: { realm: 'os', id: 'bob' } });
    const early = world({ journal: [] });
    expect(await early.signal(cli('bob'), 'detected')).toMatchObject({ kind: 'detected', beforeInjection: true });
  });

  it('refuses a self-approval made under another --as name, and takes one from another identity', async () => {
    const { events, refusal, signal } = world({ journal: [{ type: 'approval-requested' }] });
    expect(await refusal(cli('root', 'bob'), 'approve')).toBe(
      'you requested this run: approval must come from a second person | on the command line you are root (your operating-system user, or FIREDRILL_USER); --as only labels what you do; approve from chat, or as another user',
    );
    expect(events.filter((event) => event.type === 'approved')).toEqual([]);
    expect(await signal(cli('carol'), 'approve')).toMatchObject({ kind: 'approve' });
    expect(events.at(-1)).toMatchObject({ type: 'approved', by: 'carol', identity: { realm: 'os', id: 'carol' } });
    expect(await refusal(chat('U2'), 'approve')).toMatch(/^nobody may approve runs in staging from chat/);
  });

  it('does not take a self-approval already in the journal as "already approved"', async () => {
    const { refusal, signal } = world({ journal: [{ type: 'approval-requested' }, { type: 'approved', by: 'root (as bob)', identity: { realm: 'os', id: 'root' } }] });
    expect(await signal(chat('U2'), 'approve').catch((error: Error) => error.message)).toBe('nobody may approve runs in staging from chat: it has no chat permissions');
    expect(await signal(cli('carol'), 'approve')).toMatchObject({ kind: 'approve' });
    expect(await refusal(cli('dave'), 'approve')).toBe('run 3f2a9c41 is already approved');
  });

  it('checks approval against the approve list, for chat users and command-line users alike', async () => {
    const { refusal } = world({ chat: { run: ['root'], approve: ['U2', 'carol'] }, journal: [{ type: 'approval-requested' }] });
    expect(await refusal(cli('dave', 'carol'), 'approve')).toMatch(/^dave \(as carol\) may not approve runs in staging \| ask one of: U2, carol; /);
    expect(await refusal(chat('U3'), 'approve')).toBe('<@U3> may not approve runs in staging | ask one of: U2, carol');
    expect(await refusal(chat('U2'), 'approve')).toBe('accepted');
  });

  it('lets the requester abort, as whatever label, and says what will be undone', async () => {
    const { events, signal, refusal } = world({ chat: { run: ['alice'] } });
    expect(await refusal(cli('mallory', 'root'), 'abort')).toMatch(/^mallory \(as root\) may not abort runs in staging \| ask one of: alice; /);
    expect(await signal(cli('root', 'someone else'), 'abort')).toMatchObject({ kind: 'abort', undo: ['run `true`'] });
    expect(events.at(-1)).toMatchObject({ type: 'abort-requested', by: 'root (as someone else)', reason: 'asked on the command line', identity: { realm: 'os', id: 'root' } });
  });

  it('changes nothing when refused, and refuses runs that are over or not waiting', async () => {
    const { events, refusal, summary } = world({ chat: { run: ['alice'], approve: ['alice'], signal: ['alice'] } });
    const before = events.length;
    expect(await refusal(cli('bob'), 'detected')).toMatch(/^bob may not report detection or recovery in staging \| ask one of: alice; /);
    expect(await refusal(cli('alice'), 'approve')).toBe('run 3f2a9c41 is not waiting for approval');
    expect(events).toHaveLength(before);
    summary.finishedAt = '2027-03-03T10:05:00Z';
    summary.outcome = 'pass';
    expect(await refusal(cli('alice'), 'detected')).toBe('run 3f2a9c41 is already over (pass) | see it with `scorecard 3f2a9c41` in chat or `firedrill scorecards 3f2a9c41`');
  });

  it('keeps "recovered" as a measurement: the probes decide recovery', async () => {
    const { events, signal } = world();
    expect(await signal(chat('U1'), 'recovered').catch((error: Error) => error.message)).toMatch(/from chat: it has no chat permissions/);
    expect(await signal(cli('bob'), 'recovered', undefined)).toMatchObject({ kind: 'recovered' });
    expect(events.at(-1)).toMatchObject({ type: 'measured', name: 'recovery reported by bob' });
  });
});

describe('when a detection happened', () => {
  it('is when it reached firedrill, bracketed by the transport allowance, unless the person says when', async () => {
    const { events, signal } = world();
    await signal(cli('bob'), 'detected');
    expect(events.at(-1)).toMatchObject({ type: 'detected', bracket: { beforeMs: TRANSPORT_ALLOWANCE_MS, afterMs: 0 } });

    const injectedAt = Date.parse(events.find((event) => event.type === 'injected')!.at);
    const noticed = new Date(injectedAt);
    const outcome = await signal(cli('carol'), 'detected', RUN_ID.slice(0, 8), statedArrival(noticed));
    expect(outcome).toMatchObject({ kind: 'detected', beforeInjection: false });
    expect(events.at(-1)).toMatchObject({ type: 'detected', at: noticed.toISOString(), bracket: { beforeMs: 0, afterMs: 0 } });
  });

  it('refuses a stated time in the future or before the fault was injected, and changes nothing', async () => {
    const { events, signal } = world();
    const count = events.length;
    await expect(signal(cli('bob'), 'detected', RUN_ID.slice(0, 8), statedArrival(new Date(Date.now() + 60_000)))).rejects.toThrow(/is in the future/);
    await expect(signal(cli('bob'), 'detected', RUN_ID.slice(0, 8), statedArrival(new Date('2000-01-01T00:00:00Z')))).rejects.toThrow(
      /--at 2000-01-01T00:00:00.000Z is before the fault was injected/,
    );
    const notInjected = world({ journal: [] });
    await expect(notInjected.signal(cli('bob'), 'detected', RUN_ID.slice(0, 8), statedArrival(new Date(Date.now() - 1_000)))).rejects.toThrow(/has not injected its fault yet/);
    expect(events).toHaveLength(count);
  });
});
