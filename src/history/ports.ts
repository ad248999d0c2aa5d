import type { Outcome } from '../engine/events.js';
import type { Range } from '../scoring/scorecard-schema.js';

/**
 * How a finished run ended, as managers read it (pages, exports, digest, heatmap). A run whose
 * fault nobody detected is `not-detected`, whatever else it measured: an outage nobody noticed
 * is the worst result a drill can find. Refused and aborted runs are never passes.
 */
export type RunResult = 'passed' | 'failed' | 'aborted' | 'refused' | 'not-detected';

export interface RunFilter {
  environment?: string;
  drill?: string;
  kind?: string;
  result?: RunResult;
  /** Runs created at or after this instant. */
  from?: Date;
  /** Runs created before this instant. */
  to?: Date;
}

/** One run as the history shows it: its summary and, once it is finished, its scorecard's figures. */
export interface RunRecord {
  id: string;
  drill: string;
  environment: string;
  /** From the scorecard (null while the run is going, or for a run refused before its drill was read). */
  title: string | null;
  kind: string | null;
  severity: string | null;
  requestedBy: string | null;
  outcome: Outcome | null;
  /** Null while the run is going. */
  result: RunResult | null;
  createdAt: string;
  finishedAt: string | null;
  ttdMs: number | null;
  rtoMs: number | null;
  rpoMs: number | null;
  bounds: { ttdMs: Range | null; rtoMs: Range | null; rpoMs: Range | null };
  objectives: { ttdMs: number | null; rtoMs: number | null; rpoMs: number | null };
  met: { ttd: boolean | null; rto: boolean | null; rpo: boolean | null };
}

export interface RunPage {
  runs: RunRecord[];
  /** How many runs match the filter in all. */
  total: number;
  /** 1-based. */
  page: number;
  pageSize: number;
}

/** One cell of the drills × weeks heatmap: the runs of a drill in an environment in one week. */
export interface WeekCell {
  environment: string;
  drill: string;
  /** The week's Monday, UTC, as YYYY-MM-DD. */
  weekStart: string;
  /** The worst result among the week's finished runs (not-detected > failed > aborted > refused > passed). */
  result: RunResult;
  runs: number;
}

/** Where a drill stands in an environment: what the overview lists and the resilience score reads. */
export interface DrillStanding {
  environment: string;
  drill: string;
  /** The newest finished run, or null when the drill never finished a run there. */
  last: RunRecord | null;
  finishedRuns: number;
  passedRuns: number;
  /** The newest run whose result is `passed`. */
  lastPassedAt: string | null;
}

/**
 * The run history as managers read it, aggregated by the store (in SQL, with indexes): every
 * page, export, digest and metric reads it, so each answers in milliseconds with 100,000 runs.
 */
export interface RunHistory {
  /** Newest first. */
  runs(filter: RunFilter, page: { page: number; pageSize: number }): Promise<RunPage>;
  /** Every run matching the filter, newest first, read in batches: for the CSV and JSON exports. */
  exportRuns(filter: RunFilter): AsyncIterable<RunRecord>;
  /**
   * `asOf`: the standings as they stood at that instant, from the runs that had finished
   * before it (the resilience score's trend asks for each of the last weeks' ends).
   */
  standings(filter: { environment?: string; asOf?: Date }): Promise<DrillStanding[]>;
  weeks(filter: { environment?: string; from: Date; to: Date }): Promise<WeekCell[]>;
  /** The newest `limit` finished runs of a drill in an environment, oldest first: the trend charts. */
  trend(environment: string, drill: string, limit: number): Promise<RunRecord[]>;
}

/**
 * What the overview reads in one query each, beside RunHistory: the store that implements
 * RunHistory (adapters/postgres/run-history.ts) implements this too.
 */
export interface RunTrends {
  /** The trends of several drills at once: each pair's newest `limit` finished runs, oldest first. */
  trends(pairs: readonly { environment: string; drill: string }[], limit: number): Promise<RunRecord[][]>;
  /**
   * For each instant, the run each drill of the environment is judged by as it stood then: its
   * newest run finished before the instant, looking past refused runs (resilience-score.ts's
   * countedRun), so the score's trend is one query.
   */
  countedRunsBefore(environment: string, instants: readonly Date[]): Promise<RunRecord[][]>;
}

/** The finished runs of a drill in an environment with one result, and the objectives they met and missed: what /metrics counts. */
export interface RunTally {
  environment: string;
  drill: string;
  result: RunResult;
  runs: number;
  /** Runs judged against each objective, by verdict; runs without that objective count in neither. */
  objectives: Record<'ttd' | 'rto' | 'rpo', { met: number; missed: number }>;
}

/** Totals over every finished run, in one aggregate query: read at each scrape of /metrics, by every replica alike. */
export interface RunTallies {
  tallies(): Promise<RunTally[]>;
}
