import pRetry, { AbortError } from 'p-retry';
import { findEvents, type UndoAction } from './events.js';
import type { Journal } from './journal.js';
import { endOwnedProcesses } from './owned-processes.js';
import type { Undoer, UndoRetryPolicy } from './ports.js';
import { processJournal } from './process-journal.js';

/** The undo retry policy (ports.ts) when the config's `undo:` says nothing. */
export const DEFAULT_UNDO_RETRY: UndoRetryPolicy = { attempts: 8, firstDelayMs: 1_000, maxDelayMs: 30_000 };

/** Thrown by an undo that cannot succeed by trying again (its safety copy is gone): no more tries. */
export class PermanentUndoFailure extends Error {
  override readonly name = 'PermanentUndoFailure';
}

export interface RollbackResult {
  /** True when every recorded undo completed. */
  done: boolean;
  /** Why not, in one line for a person: which undo failed and its last error. */
  reason?: string;
}

/**
 * Runs every undo action the journal recorded, newest first. Undo actions are idempotent,
 * so this is also the clean-up after a recovered run and the repair after a crash. Each
 * failed try is journaled with when the next one comes; when an undo still fails, the run
 * is journaled as needing attention and stays unfinished (its environment stays blocked).
 */
export async function undoRecordedActions(
  journal: Journal,
  undoer: Undoer,
  reason: string,
  policy: UndoRetryPolicy = DEFAULT_UNDO_RETRY,
): Promise<RollbackResult> {
  // A command still running (an inject orphaned by a crash) could finish after its undo.
  try {
    await endOwnedProcesses(await journal.events(), processJournal(journal), { graceMs: undoer.processGraceMs });
  } catch (error) {
    const why = `a command firedrill started could not be ended, so its undo would not hold: ${messageOf(error)}`;
    await journal.append({ type: 'needs-attention', reason: why });
    return { done: false, reason: why };
  }
  const recorded = findEvents(await journal.events(), 'undo-recorded').reverse();
  if (recorded.length === 0) return { done: true };
  await journal.append({ type: 'rollback-started', reason });
  const failures: string[] = [];
  for (const { undo } of recorded) {
    try {
      const detail = await undoWithRetries(journal, undoer, undo, policy);
      await journal.append({ type: 'undo-done', description: undo.description, detail });
    } catch (error) {
      const message = messageOf(error);
      failures.push(`${undo.description}: ${message}`);
      await journal.append({ type: 'undo-failed', description: undo.description, error: message });
    }
  }
  if (failures.length === 0) {
    await journal.append({ type: 'rolled-back' });
    return { done: true };
  }
  const why = `${failures.length} undo action(s) could not complete: ${failures.join('; ')}`;
  await journal.append({ type: 'needs-attention', reason: why });
  return { done: false, reason: why };
}

async function undoWithRetries(journal: Journal, undoer: Undoer, undo: UndoAction, policy: UndoRetryPolicy): Promise<string> {
  return pRetry(
    async () => {
      try {
        return await undoer.undo(undo);
      } catch (error) {
        // p-retry stops at an AbortError; anything else is tried again.
        if (error instanceof PermanentUndoFailure) throw new AbortError(error);
        throw error;
      }
    },
    {
      retries: policy.attempts - 1,
      // The wait happens in onFailedAttempt, on the engine's clock, after it is journaled.
      minTimeout: 0,
      maxTimeout: 0,
      randomize: false,
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft === 0) return;
        const retryInMs = delayBefore(attemptNumber + 1, policy);
        await journal.append({ type: 'undo-attempt-failed', description: undo.description, attempt: attemptNumber, error: messageOf(error), retryInMs });
        await journal.clock.sleep(retryInMs);
      },
    },
  );
}

/** Exponential, capped: 1 s, 2 s, 4 s, ... 30 s with the default policy. */
export function delayBefore(attempt: number, policy: UndoRetryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (attempt - 2));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
