import type { Drill } from '../catalogue/drill-schema.js';
import { recoveryIntervalOf } from '../catalogue/recovery-interval.js';
import { elapsedMs, type Instant } from './events.js';
import type { Journal } from './journal.js';
import type { DrillRuntime, Probe } from './ports.js';
import type { RunSignals } from './run-signals.js';
import { Wakeup } from './wakeup.js';

/** Woken checks are spaced at least this far apart, so a busy namespace cannot turn watching into a list loop. */
export const MIN_WOKEN_CHECK_SPACING_MS = 50;

export type WatchOutcome = 'recovered' | 'timed-out' | 'aborted';

interface WatchInput {
  journal: Journal;
  drill: Drill;
  runtime: DrillRuntime;
  signals: RunSignals;
  injectedAt: Instant;
}

/**
 * From injection until service is back (steady-state probes green for `stableFor`),
 * `maxDuration` passes, or someone aborts; the probes run every `recoveryInterval` meanwhile.
 * Starts the automated runbook when its trigger fires.
 */
export async function watchForRecovery(input: WatchInput): Promise<WatchOutcome> {
  const { journal, drill, runtime, signals, injectedAt } = input;
  const clock = journal.clock;
  const stop = new AbortController();
  void signals.aborted(stop.signal).then((request) => request && stop.abort());
  const runbookDone = runAutomatedRecovery(input, stop.signal);
  const wakeup = new Wakeup();
  // One listener for the whole run rather than a combined signal per sleep: runs last hours.
  stop.signal.addEventListener('abort', () => wakeup.wake(), { once: true });
  let unwatch: (() => Promise<void>)[] = [];

  try {
    unwatch = (await Promise.all(runtime.steadyState.map((probe) => probe.watch?.(() => wakeup.wake())))).filter((stopWatching) => stopWatching !== undefined);
    const interval = recoveryIntervalOf(drill.steadyState);
    // Recovery happened after the last red check began sampling and no later than the first green
    // check of the streak had its answer: those two instants bracket the truth.
    let lastRedStart: Instant = injectedAt;
    let streak: { start: Instant; firstAnswer: Instant } | undefined;
    let sawOutage = false;
    let stillRed: string[] = [];
    for (;;) {
      if (stop.signal.aborted) return 'aborted';
      if (elapsedMs(injectedAt, clock.now()) >= drill.maxDuration) {
        await journal.append({ type: 'timed-out', maxDurationMs: drill.maxDuration, ...(stillRed.length ? { stillRed } : {}) });
        return 'timed-out';
      }
      const checkStart = clock.now();
      wakeup.checking();
      stillRed = await redProbes(runtime.steadyState);
      if (stillRed.length === 0) {
        streak ??= { start: checkStart, firstAnswer: clock.now() };
        if (elapsedMs(streak.start, clock.now()) >= drill.steadyState.stableFor) {
          const bracket = { beforeMs: Math.max(0, elapsedMs(lastRedStart, streak.start)), afterMs: Math.max(0, elapsedMs(streak.start, streak.firstAnswer)) };
          await journal.append({ type: 'recovered', stableForMs: drill.steadyState.stableFor, sawOutage, bracket }, streak.start);
          return 'recovered';
        }
      } else {
        sawOutage = true;
        lastRedStart = checkStart;
        streak = undefined;
      }
      const spent = elapsedMs(checkStart, clock.now());
      await clock.sleep(Math.max(0, interval - spent), wakeup.sleepSignal());
      const spacing = Math.min(MIN_WOKEN_CHECK_SPACING_MS, interval) - elapsedMs(checkStart, clock.now());
      if (spacing > 0) await clock.sleep(spacing, stop.signal);
    }
  } finally {
    stop.abort();
    await Promise.all(unwatch.map((stopWatching) => stopWatching()));
    await runbookDone;
  }
}

/** `name: detail` of every probe that is not green; empty when all are. */
async function redProbes(probes: Probe[]): Promise<string[]> {
  const results = await Promise.all(probes.map(async (probe) => ({ probe, result: await probe.check() })));
  return results.filter(({ result }) => !result.ok).map(({ probe, result }) => `${probe.name}: ${result.detail}`);
}

async function runAutomatedRecovery(input: WatchInput, stop: AbortSignal): Promise<void> {
  const { journal, drill, runtime, signals } = input;
  if (drill.recovery.mode !== 'automated' || !runtime.runbook) return;
  if (drill.recovery.trigger === 'on-detection' && !(await signals.detected(stop))) return;
  if (stop.aborted) return;
  await journal.append({ type: 'recovery-started', runbook: runtime.runbook.description });
  try {
    const detail = await runtime.runbook.run(stop, {
      events: () => journal.events(),
      undoRecorded: async (undo) => void (await journal.append({ type: 'undo-recorded', undo })),
      progress: async (step) => void (await journal.append({ type: 'recovery-progress', ...step })),
      measured: async (name, value) => void (await journal.append({ type: 'measured', name, value })),
    });
    await journal.append({ type: 'recovery-finished', ok: true, detail });
  } catch (error) {
    await journal.append({ type: 'recovery-finished', ok: false, detail: error instanceof Error ? error.message : String(error) });
  }
}
