import { describe, expect, it, vi } from 'vitest';
import { Drill } from '../../../src/catalogue/drill-schema.js';
import { systemClock, type Clock } from '../../../src/engine/clock.js';
import { elapsedMs, findEvent, type EventBody, type Instant, type RunEvent } from '../../../src/engine/events.js';
import { Journal } from '../../../src/engine/journal.js';
import type { DrillRuntime, Probe, RunStore } from '../../../src/engine/ports.js';
import { RunSignals } from '../../../src/engine/run-signals.js';
import { MIN_WOKEN_CHECK_SPACING_MS, watchForRecovery } from '../../../src/engine/watch-recovery.js';
import { manualClock } from '../../support/manual-clock.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const INTERVAL_MS = 5_000;

/** Only what a Journal uses: the journal itself is not under test here. */
function memoryJournal(clock: Clock = systemClock()): Journal {
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

const drillWith = (interval: string, maxDuration: string) =>
  Drill.parse({
    id: 'watched',
    title: 'watched',
    kind: 'command',
    target: { inject: 'true', undo: 'true' },
    severity: 'low',
    objectives: { rto: '1m' },
    steadyState: { probes: [{ type: 'command', run: 'true' }], interval, stableFor: '1ms' },
    recovery: { mode: 'manual' },
    maxDuration,
  });
const drill = drillWith(`${INTERVAL_MS}ms`, '30s');

/** A probe whose state the test sets, and which tells the engine when it changes (as a Kubernetes watch does). */
function watchedProbe() {
  let green = false;
  let checks = 0;
  let wake: (() => void) | undefined;
  let stopped = false;
  const probe: Probe = {
    name: 'watched',
    check: async () => {
      checks += 1;
      await sleep(20);
      return { ok: green, detail: green ? 'green' : 'red' };
    },
    watch: async (listener) => {
      wake = listener;
      return async () => void (stopped = true);
    },
  };
  return {
    probe,
    checks: () => checks,
    /** Checked once and listening for changes: what a test waits for before it changes the probe. */
    listening: () => checks > 0 && wake !== undefined,
    stopped: () => stopped,
    set(value: boolean, wakeups = 1) {
      green = value;
      for (let i = 0; i < wakeups; i += 1) wake?.();
    },
  };
}

function runtimeWith(probe: Probe): DrillRuntime {
  return { fault: undefined as never, steadyState: [probe], verify: [], close: async () => undefined };
}

describe('recovery watching with a probe that hears changes', () => {
  it('checks at once on a change instead of waiting out the interval, and times recovery from it', async () => {
    const journal = memoryJournal();
    const watched = watchedProbe();
    const injected = await journal.append({ type: 'injected' });
    const watching = watchForRecovery({ journal, drill, runtime: runtimeWith(watched.probe), signals: new RunSignals(), injectedAt: injected });

    await vi.waitFor(() => expect(watched.listening()).toBe(true));
    const changedAt = journal.clock.now();
    watched.set(true);
    expect(await watching).toBe('recovered');

    const recovered = findEvent(await journal.events(), 'recovered')!;
    const lag = elapsedMs(changedAt, recovered);
    expect(lag).toBeGreaterThanOrEqual(0);
    // Without the wake-up the next check would come INTERVAL_MS after the first one.
    expect(lag).toBeLessThan(1_000);
    expect(watched.stopped()).toBe(true);
  });

  it('answers a burst of wake-ups with one check, not one each', async () => {
    const time = manualClock();
    const journal = memoryJournal(time.clock);
    const watched = watchedProbe();
    const injected = await journal.append({ type: 'injected' });
    const watching = watchForRecovery({ journal, drill, runtime: runtimeWith(watched.probe), signals: new RunSignals(), injectedAt: injected });

    // Checked once, listening, and waiting out the interval (time moves only when the test moves it).
    await vi.waitFor(() => expect(watched.listening() && time.sleeping()).toEqual([INTERVAL_MS]));
    const before = watched.checks();
    watched.set(false, 200);
    // Woken early: it keeps the least spacing between checks, then checks.
    await vi.waitFor(() => expect(time.sleeping()).toEqual([MIN_WOKEN_CHECK_SPACING_MS]));
    time.advance(MIN_WOKEN_CHECK_SPACING_MS);
    // Back to waiting out the whole interval: that one check answered all 200 wake-ups.
    await vi.waitFor(() => expect(time.sleeping()).toEqual([INTERVAL_MS]));
    expect(watched.checks() - before).toBe(1);

    watched.set(true);
    await vi.waitFor(() => expect(time.sleeping()).toEqual([MIN_WOKEN_CHECK_SPACING_MS]));
    time.advance(MIN_WOKEN_CHECK_SPACING_MS);
    // Green, and green again an interval later: stable for longer than the drill's 1 ms.
    await vi.waitFor(() => expect(time.sleeping()).toEqual([INTERVAL_MS]));
    time.advance(INTERVAL_MS);
    expect(await watching).toBe('recovered');
    expect(watched.checks() - before).toBe(3);
  });

  it('says what was still red when maxDuration ends the run', async () => {
    const journal = memoryJournal();
    const watched = watchedProbe();
    const short = drillWith('50ms', '300ms');
    const injected = await journal.append({ type: 'injected' });
    const outcome = await watchForRecovery({ journal, drill: short, runtime: runtimeWith(watched.probe), signals: new RunSignals(), injectedAt: injected });

    expect(outcome).toBe('timed-out');
    expect(findEvent(await journal.events(), 'timed-out')).toMatchObject({ maxDurationMs: 300, stillRed: ['watched: red'] });
  });

  it('ends at once when the run is aborted in the middle of a long wait', async () => {
    const journal = memoryJournal();
    const watched = watchedProbe();
    const signals = new RunSignals();
    const injected = await journal.append({ type: 'injected' });
    const watching = watchForRecovery({ journal, drill, runtime: runtimeWith(watched.probe), signals, injectedAt: injected });
    await vi.waitFor(() => expect(watched.listening()).toBe(true));
    const abort = await journal.append({ type: 'abort-requested', by: 'alice', reason: 'enough' });
    const abortedAt = performance.now();
    signals.handle(abort);

    expect(await watching).toBe('aborted');
    expect(performance.now() - abortedAt).toBeLessThan(INTERVAL_MS / 2);
    expect(watched.stopped()).toBe(true);
  });
});
