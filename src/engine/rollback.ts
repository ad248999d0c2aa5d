import { findEvents } from './events.js';
import type { Journal } from './journal.js';
import { endOwnedProcesses } from './owned-processes.js';
import type { Undoer } from './ports.js';
import { processJournal } from './process-journal.js';

/**
 * Runs every undo action the journal recorded, newest first. Undo actions are idempotent,
 * so this is also the clean-up after a recovered run and the repair after a crash.
 * Returns false when any undo failed: the run then stays unfinished so it is retried.
 */
export async function undoRecordedActions(journal: Journal, undoer: Undoer, reason: string): Promise<boolean> {
  // A command still running (an inject orphaned by a crash) could finish after its undo.
  await endOwnedProcesses(await journal.events(), processJournal(journal), { graceMs: undoer.processGraceMs });
  const recorded = findEvents(await journal.events(), 'undo-recorded').reverse();
  if (recorded.length === 0) return true;
  await journal.append({ type: 'rollback-started', reason });
  let allDone = true;
  for (const { undo } of recorded) {
    try {
      const detail = await undoer.undo(undo);
      await journal.append({ type: 'undo-done', description: undo.description, detail });
    } catch (error) {
      allDone = false;
      await journal.append({
        type: 'undo-failed',
        description: undo.description,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  if (allDone) await journal.append({ type: 'rolled-back' });
  return allDone;
}
