import type { Environment } from '../config/config-schema.js';
import type { Clock } from './clock.js';
import { findEvent, unresolvedAttention, type Outcome } from './events.js';
import { Journal } from './journal.js';
import type { RunStore, RunSummary, RuntimeFactory } from './ports.js';
import { processJournal } from './process-journal.js';
import { undoRecordedActions } from './rollback.js';
import { scoreRun } from '../scoring/score-run.js';

export interface RecoveryReport {
  runId: string;
  drill: string;
  environment: string;
  result: 'rolled-back' | 'needs-attention' | 'owned-elsewhere' | 'unknown-environment';
  detail: string;
  /** The stored outcome, for runs that were scored. */
  outcome?: Outcome;
}

export interface RecoveryOptions {
  /**
   * Try again the runs already journaled as needing attention. `firedrill recover` does; every
   * other command only reports them, so that `firedrill status` does not wait out their retries.
   */
  retryNeedsAttention?: boolean;
}

/**
 * Runs left unfinished by a process that died are rolled back and scored as aborted.
 * A run whose owner is still alive (it holds the run's claim) is left alone.
 */
export async function recoverUnfinishedRuns(
  store: RunStore,
  clock: Clock,
  runtimes: RuntimeFactory,
  environmentNamed: (name: string) => Environment | undefined,
  options: RecoveryOptions = {},
): Promise<RecoveryReport[]> {
  const reports: RecoveryReport[] = [];
  for (const run of await store.unfinished()) {
    const base = { runId: run.id, drill: run.drill, environment: run.environment };
    const claim = await store.claim(run.id);
    if (!claim) {
      reports.push({ ...base, result: 'owned-elsewhere', detail: 'another firedrill process is running it' });
      continue;
    }
    try {
      const attention = unresolvedAttention(await store.events(run.id));
      if (attention && !options.retryNeedsAttention) {
        reports.push({ ...base, result: 'needs-attention', detail: `${attention}; fix the cause, then run \`firedrill recover\`` });
        continue;
      }
      reports.push(await rollBackRun(store, clock, runtimes, environmentNamed, run, 'rolled back on the next start'));
    } finally {
      await claim.release();
    }
  }
  return reports;
}

/**
 * Rolls back one run whose owner died; the caller holds its claim. `how` ends the journal's
 * note of why, e.g. "rolled back on the next start".
 */
export async function rollBackRun(
  store: RunStore,
  clock: Clock,
  runtimes: RuntimeFactory,
  environmentNamed: (name: string) => Environment | undefined,
  run: RunSummary,
  how: string,
): Promise<RecoveryReport> {
  const base = { runId: run.id, drill: run.drill, environment: run.environment };
  const environment = environmentNamed(run.environment);
  if (!environment) {
    return {
      ...base,
      result: 'unknown-environment',
      detail: `environment "${run.environment}" is no longer in the config, so its undo actions cannot run; put it back and start again`,
    };
  }
  const journal = new Journal(run.id, store, clock);
  const undoer = await runtimes.undoerFor(run.environment, environment, { runId: run.id, drillId: run.drill, processes: processJournal(journal) });
  // Journaled first: a run whose owner died is aborted, whatever it had measured, and a
  // second crash during this recovery must not lose that. A run that needs attention did
  // not crash: its owner finished it as far as it could, and its own outcome stands.
  const before = await journal.events();
  if (!findEvent(before, 'failed') && !findEvent(before, 'needs-attention')) {
    await journal.append({ type: 'failed', error: `firedrill stopped in the middle of this run (its process crashed or was killed); ${how}` });
  }
  let undone;
  try {
    undone = await undoRecordedActions(journal, undoer, `firedrill stopped in the middle of this run; ${how}`, runtimes.undoRetry);
  } finally {
    await undoer.close();
  }
  if (!undone.done) return { ...base, result: 'needs-attention', detail: `${undone.reason}; see \`firedrill status ${run.id.slice(0, 8)}\`` };
  const events = await journal.events();
  if (!findEvent(events, 'run-created')) {
    await store.finish(run.id, 'aborted', null);
    return { ...base, result: 'rolled-back', detail: 'it had not started; scored aborted', outcome: 'aborted' };
  }
  const scorecard = scoreRun(run.id, events);
  await journal.append({ type: 'scored', outcome: scorecard.outcome });
  await store.finish(run.id, scorecard.outcome, scorecard);
  return { ...base, result: 'rolled-back', detail: `undo actions ran; scored ${scorecard.outcome}`, outcome: scorecard.outcome };
}

/**
 * Ends a run whose world is gone (the demo's sandbox disappears with its process):
 * there is nothing left to undo, so it is scored as aborted with `reason`.
 */
export async function abandonRun(store: RunStore, clock: Clock, runId: string, reason: string): Promise<boolean> {
  const claim = await store.claim(runId);
  if (!claim) return false;
  try {
    const journal = new Journal(runId, store, clock);
    await journal.append({ type: 'failed', error: reason });
    const events = await journal.events();
    if (!findEvent(events, 'run-created')) {
      await store.finish(runId, 'aborted', null);
      return true;
    }
    const scorecard = scoreRun(runId, events);
    await journal.append({ type: 'scored', outcome: scorecard.outcome });
    await store.finish(runId, scorecard.outcome, scorecard);
    return true;
  } finally {
    await claim.release();
  }
}
