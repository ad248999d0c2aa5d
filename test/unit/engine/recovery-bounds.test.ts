import { describe, expect, it } from 'vitest';
import { Drill } from '../../../src/catalogue/drill-schema.js';
import { recoveryIntervalOf } from '../../../src/catalogue/recovery-interval.js';
import type { Clock } from '../../../src/engine/clock.js';
import { elapsedMs, findEvent, type EventBody, type Instant, type RunEvent } from '../../../src/engine/events.js';
import { Journal } from '../../../src/engine/journal.js';
import type { DrillRuntime, Probe, RunStore } from '../../../src/engine/ports.js';
import { RunSignals } from '../../../src/engine/run-signals.js';
import { watchForRecovery } from '../../../src/engine/watch-recovery.js';
import { scoreRun } from '../../../src/scoring/score-run.js';

/** Time moves only when the code under test sleeps or a probe works: every instant is known exactly. */
function virtualClock() {
  let now = 0;
  const clock: Clock = {
    now: () => ({ at: new Date(Date.UTC(2025, 2, 4, 10) + now).toISOString(), mono: now, clock: 'virtual' }),
    sleep: async (ms, signal) => {
      if (!signal?.aborted) now += ms;
      await Promise.resolve();
    },
  };
  return { clock, advance: (ms: number) => void (now += ms), time: () => now };
}

function memoryJournal(clock: Clock): Journal {
  const events: RunEvent[] = [];
  const store = {
    append: async (_runId: string, body: EventBody, when: Instant) => {
      const event = { ...body, ...when, seq: events.length + 1 } as RunEvent;
      events.push(event);
      return event;
    },
    events: async () => [...events],
  } as unknown as RunStore;
  return new Journal('run-1', store, clock);
}

const drillWith = (steadyState: Record<string, unknown>, more: Record<string, unknown> = {}) =>
  Drill.parse({
    id: 'bounded',
    title: 'bounded',
    kind: 'command',
    target: { inject: 'true', undo: 'true' },
    severity: 'low',
    objectives: { rto: '1m' },
    steadyState: { probes: [{ type: 'sql', query: 'select true' }], stableFor: '1s', ...steadyState },
    recovery: { mode: 'manual' },
    maxDuration: '10m',
    ...more,
  });

/**
 * Red until `recoversAt` (virtual ms after injection). A check takes `startupMs` before it samples
 * and `answerMs` after: the sample, not the check's start or end, is what sees the truth.
 */
function scriptedProbe(time: () => number, advance: (ms: number) => void, recoversAt: number, startupMs: number, answerMs: number) {
  let checks = 0;
  const probe: Probe = {
    name: 'scripted',
    check: async () => {
      checks++;
      advance(startupMs);
      const ok = time() >= recoversAt;
      advance(answerMs);
      return { ok, detail: ok ? 'green' : 'red' };
    },
  };
  return { probe, checks: () => checks };
}

async function watchScripted(drill: Drill, recoversAt: number, startupMs = 3, answerMs = 4) {
  const { clock, advance, time } = virtualClock();
  const journal = memoryJournal(clock);
  const injected = await journal.append({ type: 'injected' });
  const scripted = scriptedProbe(time, advance, recoversAt, startupMs, answerMs);
  const runtime: DrillRuntime = { fault: undefined as never, steadyState: [scripted.probe], verify: [], close: async () => undefined };
  expect(await watchForRecovery({ journal, drill, runtime, signals: new RunSignals(), injectedAt: injected })).toBe('recovered');
  const events = await journal.events();
  const recovered = findEvent(events, 'recovered')!;
  return { recovered, injected, events, checks: scripted.checks() };
}

describe('recovery bounds from the probes', () => {
  it('brackets the moment service came back between the last red check and the first green answer', async () => {
    // Moments spread over a whole interval, including just after a sample and just before one.
    for (const recoversAt of [0, 1, 3, 4, 199, 200, 203, 204, 1_234.5, 4_999, 5_003.5]) {
      const { recovered, injected } = await watchScripted(drillWith({}), recoversAt);
      const rto = elapsedMs(injected, recovered);
      const low = rto - recovered.bracket!.beforeMs;
      const high = rto + recovered.bracket!.afterMs;
      expect(low, `recovered at ${recoversAt}`).toBeLessThanOrEqual(recoversAt);
      expect(high, `recovered at ${recoversAt}`).toBeGreaterThanOrEqual(recoversAt);
      // One recovery interval plus one check's answer time.
      expect(high - low).toBeLessThanOrEqual(200 + 7);
    }
  });

  it('starts the bracket at injection when the probes never saw the outage', async () => {
    const { recovered, injected } = await watchScripted(drillWith({}), 0);
    expect(recovered.sawOutage).toBe(false);
    expect(elapsedMs(injected, recovered) - recovered.bracket!.beforeMs).toBe(0);
  });

  it('polls cheap probes every 200ms while recovery is awaited, and command probes at their interval', async () => {
    expect(recoveryIntervalOf(drillWith({}).steadyState)).toBe(200);
    expect(recoveryIntervalOf(drillWith({ interval: '100ms' }).steadyState)).toBe(100);
    expect(recoveryIntervalOf(drillWith({ recoveryInterval: '500ms' }).steadyState)).toBe(500);
    expect(recoveryIntervalOf(drillWith({ probes: [{ type: 'command', run: 'true' }], interval: '2s' }).steadyState)).toBe(2_000);
    expect(recoveryIntervalOf(drillWith({ probes: [{ type: 'sql', query: 'select true' }, { type: 'command', run: 'true' }] }).steadyState)).toBe(1_000);
    // 10s of outage at 200ms is about 50 checks (5 a second), not 10 and not hundreds.
    const { checks } = await watchScripted(drillWith({}), 10_000);
    expect(checks).toBeGreaterThanOrEqual(50);
    expect(checks).toBeLessThanOrEqual(60);
  });

  it('refuses a recoveryInterval so short it would load the target', () => {
    expect(() => drillWith({ recoveryInterval: '20ms' })).toThrow(/at least 100ms/);
  });

  it('carries the bracket onto the scorecard, rounded outwards', async () => {
    const { events } = await watchScripted(drillWith({}), 1_234.5);
    const card = scoreRun('run-1', [
      { type: 'run-created', drill: { id: 'bounded', title: 'b', kind: 'command', severity: 'low', objectives: { ttdMs: null, rtoMs: 60_000, rpoMs: null }, recovery: 'manual' }, environment: 'staging', requestedBy: 'alice', seq: 0, at: events[0]!.at, mono: -1, clock: 'virtual' },
      ...events,
      { type: 'verified', ok: true, seq: 99, at: events[0]!.at, mono: 99_999, clock: 'virtual' },
    ]);
    expect(card.bounds.rtoMs!.low).toBeLessThanOrEqual(1_234);
    expect(card.bounds.rtoMs!.high).toBeGreaterThanOrEqual(1_235);
    expect(card.bounds.rtoMs!.low).toBeLessThanOrEqual(card.rtoMs!);
    expect(card.bounds.rtoMs!.high).toBeGreaterThanOrEqual(card.rtoMs!);
  });

  it('counts the alert that set off the runbook, when a probe that started before it answers green after it', async () => {
    // Under load: the third check's process starts, then the alert comes and the runbook fixes the shop,
    // then that check samples. The check's start is before the alert, but service came back after it.
    const { clock, advance } = virtualClock();
    const journal = memoryJournal(clock);
    const signals = new RunSignals();
    const injected = await journal.append({ type: 'injected' });
    signals.markInjected(injected);
    let fixed = false;
    let runbookRan!: () => void;
    const runbookDone = new Promise<void>((resolve) => (runbookRan = resolve));
    let checks = 0;
    const probe: Probe = {
      name: 'shop up',
      check: async () => {
        if (++checks === 3) {
          advance(30);
          signals.handle(await journal.append({ type: 'detected', by: { source: 'generic', name: 'ShopDown' }, bracket: { beforeMs: 50, afterMs: 0 } }));
          await runbookDone;
        }
        advance(3);
        return fixed ? { ok: true, detail: 'green' } : { ok: false, detail: 'red' };
      },
    };
    const runbook = { description: 'rm -f outage', run: async () => ((fixed = true), runbookRan(), 'done') };
    const runtime: DrillRuntime = { fault: undefined as never, steadyState: [probe], verify: [], runbook, close: async () => undefined };
    const drill = drillWith(
      {},
      { objectives: { ttd: '1m', rto: '1m' }, recovery: { mode: 'automated', trigger: 'on-detection', runbook: { action: 'command', run: 'rm -f outage' } } },
    );
    expect(await watchForRecovery({ journal, drill, runtime, signals, injectedAt: injected })).toBe('recovered');
    const events = await journal.events();
    const detected = findEvent(events, 'detected')!;
    const recovered = findEvent(events, 'recovered')!;
    expect(elapsedMs(recovered, detected)).toBeGreaterThan(0);
    const card = scoreRun('run-1', [
      { type: 'run-created', drill: { id: 'bounded', title: 'b', kind: 'command', severity: 'low', objectives: { ttdMs: 60_000, rtoMs: 60_000, rpoMs: null }, recovery: 'automated' }, environment: 'staging', requestedBy: 'alice', seq: 0, at: events[0]!.at, mono: -1, clock: 'virtual' },
      ...events,
      { type: 'verified', ok: true, seq: 99, at: events[0]!.at, mono: 99_999, clock: 'virtual' },
    ]);
    expect(card.detectedBy?.name).toBe('ShopDown');
    expect(card.ttdMs).toBe(elapsedMs(injected, detected));
    expect(card.outcome).toBe('pass');
  });
});
