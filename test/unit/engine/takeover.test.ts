import { describe, expect, it } from 'vitest';
import { Drill } from '../../../src/catalogue/drill-schema.js';
import { Environment } from '../../../src/config/config-schema.js';
import { systemClock } from '../../../src/engine/clock.js';
import { findEvent, type EventBody, type Instant, type RunEvent } from '../../../src/engine/events.js';
import type { DrillRuntime, RunStore, RunSummary, RuntimeFactory } from '../../../src/engine/ports.js';
import { takeOverRun, whyNotResume } from '../../../src/engine/takeover.js';
import { TakeoverLoop } from '../../../src/engine/takeover-loop.js';
import { scoreRun } from '../../../src/scoring/score-run.js';
import { JournalBuilder } from '../scoring/journal-builder.js';

const drill = Drill.parse({
  id: 'drop-orders-table',
  title: 'The orders table is dropped',
  kind: 'drop-table',
  target: { table: 'public.orders' },
  severity: 'high',
  objectives: { rto: '10m' },
  steadyState: { probes: [{ type: 'command', run: 'true' }], interval: '1s', stableFor: '1s' },
  recovery: { mode: 'manual' },
  maxDuration: '30m',
});
const environment = Environment.parse({});
const going = new AbortController().signal;
const injected = () => new JournalBuilder().created().add({ type: 'undo-recorded', undo: { action: 'restore-table', description: 'put it back', params: {} } }, -2_000).add({ type: 'injecting', actions: [] }, -1_000).injected();

describe('whether a dead owner\'s run can be resumed', () => {
  it('resumes a run whose fault is in effect and that nothing was ending', () => {
    expect(whyNotResume(injected().events, drill, environment, going)).toBeUndefined();
    const detected = injected().detected(5_000);
    expect(whyNotResume(detected.events, drill, environment, going)).toBeUndefined();
  });

  it('rolls back what it cannot resume honestly, saying why', () => {
    const cases: [string, JournalBuilder, RegExp][] = [
      ['before injection', new JournalBuilder().created().add({ type: 'injecting', actions: [] }, -1_000), /before the fault was fully injected/],
      ['abort requested', injected().add({ type: 'abort-requested', by: 'bob', reason: 'enough' }, 3_000), /already ending it \(abort-requested\)/],
      ['recovered', injected().recovered(4_000), /already ending it \(recovered\)/],
      ['timed out', injected().add({ type: 'timed-out', maxDurationMs: 1 }, 4_000), /already ending it/],
      ['undoing', injected().add({ type: 'rollback-started', reason: 'x' }, 4_000), /already ending it/],
      ['guard tripped', injected().add({ type: 'guard-tripped', guard: 'shop up', detail: 'down' }, 3_000), /already ending it \(guard-tripped\)/],
      ['RPO canary', injected().add({ type: 'rpo-baseline', newestBefore: null }, 1), /RPO marker/],
      ['runbook half-run', injected().add({ type: 'recovery-started', runbook: 'restore' }, 1_000), /automated runbook was running/],
    ];
    for (const [name, journal, why] of cases) expect(whyNotResume(journal.events, drill, environment, going), name).toMatch(why);
    const finished = injected().add({ type: 'recovery-started', runbook: 'restore' }, 1_000).add({ type: 'recovery-finished', ok: true, detail: 'done' }, 2_000);
    expect(whyNotResume(finished.events, drill, environment, going)).toBeUndefined();
  });

  it('rolls back when the config no longer has the drill or environment, or the drill changed kind', () => {
    expect(whyNotResume(injected().events, undefined, environment, going)).toMatch(/drill "drop-orders-table" is no longer in the config/);
    expect(whyNotResume(injected().events, drill, undefined, going)).toMatch(/environment "staging" is no longer in the config/);
    expect(whyNotResume(injected().events, { ...drill, kind: 'command' } as Drill, environment, going)).toMatch(/now of kind command/);
    expect(whyNotResume(injected().events, drill, environment, AbortSignal.abort())).toMatch(/stopping/);
  });

  it('puts the takeover and its gap on the scorecard of a resumed run, and no false "probes never failed" note', () => {
    const journal = injected()
      .add({ type: 'taken-over', from: 'a pid 1', to: 'b pid 2', gapMs: 4_200, action: 'resumed', why: 'x' }, { ms: 6_000, clock: 'b' })
      .add({ type: 'recovered', stableForMs: 1_000, sawOutage: false }, { ms: 9_000, clock: 'b' });
    const { notes, rtoMs } = scoreRun('run-1', journal.events);
    expect(notes.join('\n')).toMatch(/taken over by b pid 2 after its owner died; nothing watched for up to 4\.2 s/);
    expect(notes.join('\n')).not.toMatch(/never failed/);
    expect(rtoMs).toBe(9_000);
  });
});

describe('the takeover loop', () => {
  const run: RunSummary = { id: 'run-1', drill: 'drop-orders-table', environment: 'staging', outcome: null, createdAt: '', finishedAt: null };

  function loop(options: { claimed: () => boolean; leads: () => boolean; now: () => number }) {
    const claims: string[] = [];
    const store = {
      unfinished: async () => [run],
      claimed: async () => new Set(options.claimed() ? [run.id] : []),
      // The test only counts the attempts: no claim is given, so nothing is taken over.
      claim: async (id: string) => void claims.push(id),
    } as unknown as RunStore;
    const takeover = new TakeoverLoop(
      { store, clock: undefined as never, runtimes: undefined as never, owner: 'me', environmentNamed: () => undefined, drillFor: () => undefined, stop: going },
      { leads: options.leads, now: options.now, report: () => undefined, failed: () => undefined },
    );
    return { takeover, claims };
  }

  it('takes a run only after its claim has stayed free for 3 s, and only when leading', async () => {
    let now = 0;
    let claimed = false;
    let leads = false;
    const { takeover, claims } = loop({ claimed: () => claimed, leads: () => leads, now: () => now });
    await takeover.scan();
    now = 3_000;
    await takeover.scan();
    expect(claims, 'a follower only watches').toEqual([]);
    leads = true;
    // The owner took its claim back (a store restart): the count starts again.
    claimed = true;
    await takeover.scan();
    claimed = false;
    now = 4_000;
    await takeover.scan();
    now = 6_999;
    await takeover.scan();
    expect(claims).toEqual([]);
    now = 7_000;
    await takeover.scan();
    expect(claims).toEqual(['run-1']);
  });

  it('lets a new leader take over at once a run a follower already saw orphaned', async () => {
    let now = 0;
    let leads = false;
    const { takeover, claims } = loop({ claimed: () => false, leads: () => leads, now: () => now });
    await takeover.scan();
    now = 10_000;
    await takeover.scan();
    expect(claims).toEqual([]);
    leads = true;
    await takeover.scan();
    expect(claims).toEqual(['run-1']);
  });
});

describe('taking over a run', () => {
  /** A journal in memory, enough for a takeover: events, appends, finish. */
  function memoryStore(initial: readonly RunEvent[]) {
    const events: RunEvent[] = [...initial];
    const finished: string[] = [];
    const store = {
      events: async () => [...events],
      append: async (_runId: string, body: EventBody, when: Instant) => {
        const event = { ...body, ...when, seq: events.length + 1 } as RunEvent;
        events.push(event);
        return event;
      },
      finish: async (_runId: string, outcome: string) => void finished.push(outcome),
      watch: async () => async () => undefined,
    } as unknown as RunStore;
    return { store, events, finished };
  }

  it('rolls back a run whose drill kept what it needs only in its dead owner\'s memory', async () => {
    const { store, events, finished } = memoryStore(injected().events);
    const undone: string[] = [];
    const runtimes: RuntimeFactory = {
      runtimeFor: async () =>
        ({ fault: {} as never, steadyState: [], verify: [], notResumable: 'its challenge code is known only to its owner', close: async () => undefined }) as DrillRuntime,
      undoerFor: async () => ({ undo: async (action) => (undone.push(action.action), 'put back'), close: async () => undefined }),
      undoRetry: { attempts: 1, firstDelayMs: 1, maxDelayMs: 1 },
    };
    const run: RunSummary = { id: 'run-1', drill: drill.id, environment: 'staging', outcome: null, createdAt: '', finishedAt: null };
    const report = await takeOverRun(
      { store, clock: systemClock(), runtimes, owner: 'b pid 2', environmentNamed: () => environment, drillFor: () => drill, stop: going },
      run,
    );
    expect(report.result).toBe('rolled-back');
    expect(findEvent(events, 'taken-over')).toMatchObject({ to: 'b pid 2', action: 'rolled-back', why: 'its challenge code is known only to its owner' });
    expect(undone).toEqual(['restore-table']);
    expect(finished).toEqual(['aborted']);
  });
});
