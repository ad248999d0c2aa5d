import type { Environment } from '../config/config-schema.js';
import type { Drill } from '../catalogue/drill-schema.js';
import type { Clock } from './clock.js';
import { findEvent, findEvents, unresolvedAttention, type EventOf, type RunEvent } from './events.js';
import { Journal } from './journal.js';
import type { DrillRuntime, RunStore, RunSummary, RuntimeFactory, Undoer } from './ports.js';
import { processJournal } from './process-journal.js';
import { rollBackRun, type RecoveryReport } from './recover.js';
import { undoRecordedActions } from './rollback.js';
import { RunSignals } from './run-signals.js';
import { score, watchAndVerify } from './run-drill.js';
import { watchGuards } from './watch-guards.js';

export interface TakeoverDeps {
  store: RunStore;
  clock: Clock;
  runtimes: RuntimeFactory;
  /** This process, as the journal names owners. */
  owner: string;
  environmentNamed(name: string): Environment | undefined;
  /** The drill as the config has it now (overrides applied), or undefined when it is gone. */
  drillFor(run: RunSummary): Drill | undefined;
  /** Ends a resumed run early, as an abort (this process is stopping): its undo actions run. */
  stop: AbortSignal;
}

export interface TakeoverReport extends Omit<RecoveryReport, 'result'> {
  result: RecoveryReport['result'] | 'resumed';
}

/**
 * Takes over a run whose owner died; the caller holds the run's claim. The run resumes when
 * its fault is in effect and a new watch measures exactly what the old one would have:
 * recovery is still timed from the journal's `injected`, `maxDuration` still counts from
 * there, and the scorecard says how long nothing watched. Anything less certain is rolled
 * back (see `whyNotResume`). Resolves when the run has ended.
 */
export async function takeOverRun(deps: TakeoverDeps, run: RunSummary): Promise<TakeoverReport> {
  const base = { runId: run.id, drill: run.drill, environment: run.environment };
  const events = await deps.store.events(run.id);
  const attention = unresolvedAttention(events);
  // Its owner finished it as far as it could: a person must act, and `firedrill recover` tries again.
  if (attention) return { ...base, result: 'needs-attention', detail: `${attention}; fix the cause, then run \`firedrill recover\`` };
  const journal = new Journal(run.id, deps.store, deps.clock);
  const { from, gapMs } = previousOwner(events);
  const environment = deps.environmentNamed(run.environment);
  const drill = deps.drillFor(run);
  let why = whyNotResume(events, drill, environment, deps.stop);
  let runtime: DrillRuntime | undefined;
  if (!why) {
    try {
      runtime = await deps.runtimes.runtimeFor(drill!, run.environment, environment!, run.id, processJournal(journal));
    } catch (error) {
      why = `its drill cannot be prepared again: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  if (runtime?.notResumable) {
    why = runtime.notResumable;
    await runtime.close();
    runtime = undefined;
  }
  if (why || !runtime) {
    await journal.append({ type: 'taken-over', from, to: deps.owner, gapMs, action: 'rolled-back', why: why ?? 'unknown' });
    return rollBackRun(deps.store, deps.clock, deps.runtimes, deps.environmentNamed, run, `rolled back by ${deps.owner}, which took it over`);
  }
  try {
    const undoer = await deps.runtimes.undoerFor(run.environment, environment!, { runId: run.id, drillId: run.drill, processes: processJournal(journal) });
    try {
      await journal.append({ type: 'taken-over', from, to: deps.owner, gapMs, action: 'resumed', why: 'its fault is in effect and its probes can be watched again' });
      return { ...base, ...(await resume(deps, journal, drill!, runtime, undoer, findEvent(events, 'injected')!)) };
    } finally {
      await undoer.close();
    }
  } finally {
    await runtime.close();
  }
}

async function resume(
  deps: TakeoverDeps,
  journal: Journal,
  drill: Drill,
  runtime: DrillRuntime,
  undoer: Undoer,
  injected: EventOf<'injected'>,
): Promise<Pick<TakeoverReport, 'result' | 'detail' | 'outcome'>> {
  const signals = new RunSignals();
  const hear = (event: RunEvent) => {
    signals.handle(event);
    journal.tell(event);
  };
  // Watching first, then reading: nothing appended in between is missed (signals count each event
  // once). The runtime hears only what comes from now on: the old owner's runtime heard the rest.
  const unwatch = await deps.store.watch(journal.runId, (event) => {
    hear(event);
    runtime.onEvent?.(event, journal);
  });
  const onStop = () => void journal.append({ type: 'abort-requested', by: deps.owner, reason: 'firedrill serve stopped' }).catch(() => undefined);
  deps.stop.addEventListener('abort', onStop, { once: true });
  let endReason: string;
  // The guards keep watching what the drill must not hurt until the undo is done, as under the old owner.
  const guards = watchGuards({ journal, guards: runtime.guards ?? [], intervalMs: drill.steadyState.interval, signals });
  try {
    for (const event of await journal.events()) hear(event);
    endReason = await watchAndVerify(journal, drill, runtime, signals, injected);
  } catch (error) {
    endReason = `the run failed: ${error instanceof Error ? error.message : String(error)}`;
    if (!signals.abortRequested) await journal.append({ type: 'failed', error: endReason });
  } finally {
    deps.stop.removeEventListener('abort', onStop);
    await unwatch();
  }
  const undone = await undoRecordedActions(journal, undoer, endReason, deps.runtimes.undoRetry).finally(() => guards.stop());
  if (!undone.done) return { result: 'needs-attention', detail: `${undone.reason}; see \`firedrill status ${journal.runId.slice(0, 8)}\`` };
  const { scorecard } = await score(deps.store, journal);
  return { result: 'resumed', detail: `watched to the end; scored ${scorecard.outcome}`, outcome: scorecard.outcome };
}

/**
 * Why the run cannot be resumed honestly, or undefined when it can. Resuming needs the fault
 * in effect (injected, nothing ending it yet) and nothing of the old owner's that died with
 * it and would change what is measured: an RPO canary writer, an automated runbook half-run.
 */
export function whyNotResume(events: readonly RunEvent[], drill: Drill | undefined, environment: Environment | undefined, stop: AbortSignal): string | undefined {
  const created = findEvent(events, 'run-created');
  if (!created) return 'it has no run-created event';
  if (!findEvent(events, 'injected')) return 'its owner died before the fault was fully injected';
  const ending = events.find((event) => ENDING.has(event.type));
  if (ending) return `its owner was already ending it (${ending.type})`;
  if (findEvent(events, 'rpo-baseline')) return 'its RPO marker (a canary writer) stopped with its owner, so RPO could not be measured as the drill defines it';
  if (findEvents(events, 'recovery-started').length > findEvents(events, 'recovery-finished').length) {
    return 'its automated runbook was running when its owner died';
  }
  if (!environment) return `environment "${created.environment}" is no longer in the config`;
  if (!drill) return `drill "${created.drill.id}" is no longer in the config`;
  if (drill.kind !== created.drill.kind) return `drill "${drill.id}" is now of kind ${drill.kind}, not ${created.drill.kind}`;
  if (stop.aborted) return 'this process is stopping';
  return undefined;
}

const ENDING = new Set<RunEvent['type']>(['recovered', 'timed-out', 'abort-requested', 'guard-tripped', 'failed', 'rollback-started', 'verified', 'scored']);

/** The owner the journal names last, and how long ago it last wrote to the journal (its last sign of life). */
function previousOwner(events: readonly RunEvent[]): { from: string | null; gapMs: number | null } {
  const takeover = findEvents(events, 'taken-over').at(-1);
  const created = findEvent(events, 'run-created');
  const from = takeover?.to ?? created?.owner ?? null;
  // The owner's own entries carry its monotonic clock's id; webhooks and people write with others.
  const ownerClock = (takeover ?? created)?.clock;
  const lastSign = events.filter((event) => event.clock === ownerClock).at(-1);
  return { from, gapMs: lastSign ? Math.max(0, Date.now() - Date.parse(lastSign.at)) : null };
}
