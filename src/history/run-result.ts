import type { Outcome } from '../engine/events.js';
import type { RunResult } from './ports.js';

/** What of a scorecard decides its result: its outcome and whether the fault was in effect and seen. */
export interface ResultInput {
  outcome: Outcome | null;
  timeline: { injectedAt: string | null; detectedAt: string | null } | null;
}

/**
 * The one rule from a run's outcome to how managers read it (ports.ts). A fault that was in effect
 * and that nobody detected makes the run `not-detected`, whatever else it measured, even when it
 * was aborted or timed out; refused runs never injected. The run store's `result` column
 * (adapters/postgres/migrations.ts, migration 4) computes the same in SQL; a test holds both equal.
 */
export function runResult(input: ResultInput): RunResult | null {
  const { outcome, timeline } = input;
  if (outcome === null) return null;
  if (outcome === 'refused') return 'refused';
  if (timeline?.injectedAt && !timeline.detectedAt) return 'not-detected';
  if (outcome === 'aborted') return 'aborted';
  return outcome === 'pass' ? 'passed' : 'failed';
}

export const RUN_RESULTS: readonly RunResult[] = ['passed', 'failed', 'aborted', 'refused', 'not-detected'];

/** Worst last: a week's heatmap cell shows the worst result among its runs. */
export const RESULTS_BEST_TO_WORST: readonly RunResult[] = ['passed', 'refused', 'aborted', 'failed', 'not-detected'];

export function worstResult(results: Iterable<RunResult>): RunResult | undefined {
  let worst: RunResult | undefined;
  for (const result of results) {
    if (worst === undefined || RESULTS_BEST_TO_WORST.indexOf(result) > RESULTS_BEST_TO_WORST.indexOf(worst)) worst = result;
  }
  return worst;
}
