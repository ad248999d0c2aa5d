import type { Environment } from '../catalogue/config-schema.js';
import type { Clock } from './clock.js';
import { findEvent } from './events.js';
import { Journal } from './journal.js';
import type { RunStore, RuntimeFactory } from './ports.js';
import { processJournal } from './process-journal.js';
import { undoRecordedActions } from './rollback.js';
import { scoreRun } from '../scoring/score-run.js';

export interface RecoveryReport {
  runId: string;
  drill: string;
  environment: string;
  result: 'rolled-back' | 'undo-failed' | 'owned-elsewhere' | 'unknown-environment';
  detail: string;
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
      const environment = environmentNamed(run.environment);
      if (!environment) {
        reports.push({
          ...base,
          result: 'unknown-environment',
          detail: `environment "${run.environment}" is no longer in the config, so its undo actions cannot run; put it back and start again`,
        });
        continue;
      }
      const journal = new Journal(run.id, store, clock);
      const undoer = await runtimes.undoerFor(run.environment, environment, { runId: run.id, drillId: run.drill, processes: processJournal(journal) });
      let undone: boolean;
      try {
        undone = await undoRecordedActions(journal, undoer, 'firedrill stopped in the middle of this run; rolled back on restart');
      } finally {
        await undoer.close();
      }
      if (!undone) {
        reports.push({ ...base, result: 'undo-failed', detail: 'an undo action failed; see the run journal' });
        continue;
      }
      const events = await journal.events();
      if (!findEvent(events, 'run-created')) {
        await store.finish(run.id, 'aborted', null);
      } else {
        if (!findEvent(events, 'rollback-started')) {
          await journal.append({ type: 'failed', error: 'firedrill stopped before the fault was injected' });
        }
        const scorecard = scoreRun(run.id, await journal.events());
        await journal.append({ type: 'scored', outcome: scorecard.outcome });
        await store.finish(run.id, scorecard.outcome, scorecard);
      }
      reports.push({ ...base, result: 'rolled-back', detail: 'undo actions ran; scored as aborted' });
    } finally {
      await claim.release();
    }
  }
  return reports;
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
