import { describe, expect, it } from 'vitest';
import { Drill } from '../../../src/catalogue/drill-schema.js';
import type { DrillCatalogue } from '../../../src/catalogue/effective.js';
import { signalCommand as chatSignal } from '../../../src/chat/change-commands.js';
import { ChatPermissions } from '../../../src/chat/chat-schema.js';
import type { ChatDeps } from '../../../src/chat/context.js';
import { plainText } from '../../../src/chat/message.js';
import { reportAndPrintSignal } from '../../../src/cli/run-commands.js';
import type { Config } from '../../../src/config/config-schema.js';
import type { Actor } from '../../../src/engine/actor.js';
import { systemClock } from '../../../src/engine/clock.js';
import type { EventBody, Instant, RunEvent } from '../../../src/engine/events.js';
import type { PersonSignal } from '../../../src/engine/person-signals.js';
import type { RunStore, RunSummary } from '../../../src/engine/ports.js';
import { snapshot } from '../../../src/engine/run-drill.js';
import { isUserError } from '../../../src/errors.js';

// The same person on the terminal, through `firedrill detected|recovered|abort|approve` and
// through `firedrill chat` (whose user is the operating-system user too): the core's one rule
// (src/engine/person-signals.ts) must give both front ends the same decision, and the same journal.

const RUN_ID = '5b7e0d12-0000-4000-8000-000000000002';
const PREFIX = RUN_ID.slice(0, 8);

const theDrill = Drill.parse({
  id: 'flag-outage',
  title: 'flag outage',
  kind: 'command',
  target: { inject: 'true', undo: 'true' },
  severity: 'low',
  objectives: { rto: '1m' },
  steadyState: { probes: [{ type: 'command', run: 'true' }] },
  recovery: { mode: 'manual' },
  maxDuration: '10m',
});

/** carol requested the run (and may approve others' runs); alice may approve and signal; bob may do nothing here. */
const PERMISSIONS = { run: ['carol'], approve: ['alice', 'carol'], signal: ['alice', 'carol'] };

const INJECTED: EventBody[] = [{ type: 'undo-recorded', undo: { action: 'command', description: 'run `true`', params: {} } }, { type: 'injecting', actions: ['run `true`'] }, { type: 'injected' }];

interface Setup {
  journal?: EventBody[];
  finished?: boolean;
}

/** One run in memory, with what reportSignal reads and writes. */
function world(setup: Setup) {
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
  void store.append(RUN_ID, { type: 'run-created', drill: snapshot(theDrill), environment: 'staging', requestedBy: 'carol', requester: { realm: 'os', id: 'carol' } });
  for (const body of setup.journal ?? INJECTED) void store.append(RUN_ID, body);
  if (setup.finished) Object.assign(summary, { finishedAt: '2027-03-03T10:05:00Z', outcome: 'pass' });
  const config = { environments: { staging: { protected: false, allowProductionLookingNames: false, buckets: {}, chat: ChatPermissions.parse(PERMISSIONS) } } };
  const catalogue: DrillCatalogue = { configPath: 'firedrill.yaml', config: config as unknown as Config, drills: new Map([[theDrill.id, { drill: theDrill, file: 'drill.yaml' }]]) };
  // The terminal chat's deps: what its signal command reads.
  const chatDeps = { catalogue, store, clock, adapter: { platform: 'console' } } as unknown as ChatDeps;
  return { events, deps: { catalogue, store, clock }, chatDeps };
}

type Decision = { decision: 'accepted'; journaled: string; said: string } | { decision: 'refused'; message: string; journalUnchanged: boolean };

async function decide(frontEnd: 'cli' | 'chat', person: string, signal: PersonSignal, setup: Setup = {}): Promise<Decision> {
  const { events, deps, chatDeps } = world(setup);
  const before = events.length;
  const identity = { realm: 'os', id: person };
  try {
    let said: string;
    if (frontEnd === 'cli') {
      const actor: Actor = { identity, label: person, groups: [], via: { kind: 'cli' } };
      let printed = '';
      await reportAndPrintSignal({ err: (text) => (printed += text) }, deps, PREFIX, signal, actor);
      said = printed;
    } else {
      const request = { text: `${signal} ${PREFIX}`, user: { id: person, label: person, groups: [], identity }, channel: 'console' };
      said = plainText(await chatSignal(chatDeps, request, signal, PREFIX));
    }
    return { decision: 'accepted', journaled: events.at(-1)!.type, said };
  } catch (error) {
    if (!isUserError(error)) throw error;
    return { decision: 'refused', message: error.message, journalUnchanged: events.length === before };
  }
}

/** The decision without the front end's own wording of an accepted signal. */
function core(decision: Decision) {
  return decision.decision === 'accepted' ? { decision: decision.decision, journaled: decision.journaled } : decision;
}

describe('a signal from the command line and from chat', () => {
  it.each<[string, string, PersonSignal, Setup, ReturnType<typeof core>]>([
    ['detection by someone allowed', 'alice', 'detected', {}, { decision: 'accepted', journaled: 'detected' }],
    ['detection by someone not allowed', 'bob', 'detected', {}, { decision: 'refused', message: 'bob may not report detection or recovery in staging', journalUnchanged: true }],
    ['recovery reported', 'alice', 'recovered', {}, { decision: 'accepted', journaled: 'measured' }],
    ['approval by the requester', 'carol', 'approve', { journal: [{ type: 'approval-requested' }] }, { decision: 'refused', message: 'you requested this run: approval must come from a second person', journalUnchanged: true }],
    ['approval by a second person allowed to', 'alice', 'approve', { journal: [{ type: 'approval-requested' }] }, { decision: 'accepted', journaled: 'approved' }],
    ['approval of a run that is not waiting', 'alice', 'approve', {}, { decision: 'refused', message: `run ${PREFIX} is not waiting for approval`, journalUnchanged: true }],
    ['abort by the requester', 'carol', 'abort', {}, { decision: 'accepted', journaled: 'abort-requested' }],
    ['abort by someone not allowed', 'bob', 'abort', {}, { decision: 'refused', message: 'bob may not abort runs in staging', journalUnchanged: true }],
    ['detection of a run that is over', 'alice', 'detected', { finished: true }, { decision: 'refused', message: `run ${PREFIX} is already over (pass)`, journalUnchanged: true }],
  ])('%s: the same decision', async (_, person, signal, setup, expected) => {
    const [fromCli, fromChat] = [await decide('cli', person, signal, setup), await decide('chat', person, signal, setup)];
    expect(core(fromCli)).toEqual(expected);
    expect(core(fromChat)).toEqual(expected);
  });

  it('counts a detection made while the fault is being injected, and says so alike', async () => {
    const injecting: Setup = { journal: INJECTED.slice(0, 2) };
    const [fromCli, fromChat] = [await decide('cli', 'alice', 'detected', injecting), await decide('chat', 'alice', 'detected', injecting)];
    for (const decision of [fromCli, fromChat]) {
      expect(decision).toMatchObject({ decision: 'accepted', journaled: 'detected' });
      expect(decision.decision === 'accepted' && decision.said).not.toMatch(/does not count/);
    }
    // Before the injection began, both say it does not count.
    const early: Setup = { journal: INJECTED.slice(0, 1) };
    for (const decision of [await decide('cli', 'alice', 'detected', early), await decide('chat', 'alice', 'detected', early)]) {
      expect(decision.decision === 'accepted' && decision.said).toMatch(/not in effect yet, so it does not count as detection/);
    }
  });
});
