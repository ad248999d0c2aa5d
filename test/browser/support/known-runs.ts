import pg from 'pg';
import type { DrillSnapshot, EventBody, Instant, Outcome } from '../../../src/engine/events.js';
import type { RunStore } from '../../../src/engine/ports.js';
import type { RunResult } from '../../../src/history/ports.js';
import { scoreRun } from '../../../src/scoring/score-run.js';

/**
 * A store of known runs for the browser suite: the built-in drills drop-orders-table-manual,
 * lose-a-node and a `command` drill flag-outage in `staging` and `qa`, over the ten weeks before this one,
 * with every result a manager sees (passed, failed, aborted, not detected, refused) and weeks
 * without a run. Each run is journaled through the real RunStore as the engine would (its
 * scorecard derived from the journal by scoreRun), then dated into its week, so the pages read
 * exactly what a deployment would have. The plan is a pure function of the week it is made in.
 */

export const ENVIRONMENTS = ['staging', 'qa'] as const;

const MINUTE = 60_000;

/** The snapshots the engine freezes at run start, as the built-in drills declare them. */
export const DRILLS: DrillSnapshot[] = [
  {
    id: 'drop-orders-table-manual',
    title: 'The orders table is dropped (restore by hand)',
    kind: 'drop-table',
    severity: 'high',
    objectives: { ttdMs: 5 * MINUTE, rtoMs: 30 * MINUTE, rpoMs: 60 * MINUTE },
    recovery: 'manual',
  },
  {
    id: 'lose-a-node',
    title: 'A Kubernetes node is lost',
    kind: 'lose-node',
    severity: 'medium',
    objectives: { ttdMs: 5 * MINUTE, rtoMs: 15 * MINUTE, rpoMs: null },
    recovery: 'manual',
  },
  {
    id: 'flag-outage',
    title: 'A bad feature flag takes the shop down',
    kind: 'command',
    severity: 'low',
    objectives: { ttdMs: null, rtoMs: 10 * MINUTE, rpoMs: null },
    recovery: 'manual',
  },
];

export const WEEKS = 10;

/** How many runs a drill has in a week, by environment: automated drills run often, manual ones seldom. */
function runsInWeek(environment: string, drill: string, weeksAgo: number): number {
  const staging = environment === 'staging';
  switch (drill) {
    case 'drop-orders-table-manual':
      return staging ? 6 : weeksAgo % 4 === 3 ? 0 : 2;
    case 'lose-a-node':
      return staging ? (weeksAgo === 5 ? 0 : 1) : weeksAgo % 2;
    default:
      return weeksAgo % 3 === (staging ? 1 : 2) ? 1 : 0;
  }
}

/** Mostly passes, and every other result in between, spread over drills and weeks. */
const RESULTS: RunResult[] = ['passed', 'passed', 'failed', 'passed', 'not-detected', 'passed', 'aborted', 'passed', 'refused', 'passed', 'passed', 'failed', 'aborted'];

export interface KnownRun {
  id: string;
  environment: string;
  drill: DrillSnapshot;
  result: RunResult;
  outcome: Outcome;
  createdAt: Date;
  finishedAt: Date;
  requestedBy: string;
  /** What the scorecard measured (null where the run never got that far). */
  ttdMs: number | null;
  rtoMs: number | null;
  rpoMs: number | null;
  met: { ttd: boolean | null; rto: boolean | null; rpo: boolean | null };
}

interface PlannedRun {
  environment: string;
  drill: DrillSnapshot;
  result: RunResult;
  createdAt: Date;
  /** 0..1, varies the figures from run to run. */
  spread: number;
  requestedBy: string;
}

/** Monday 00:00 UTC of the week `at` is in. */
export function weekStart(at: Date): Date {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  return new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * 24 * 60 * MINUTE);
}

/** Runs only Tuesday to Sunday, 09:00-15:00 UTC: a date filter on a Monday never splits a day's runs. */
export function plan(now: Date): PlannedRun[] {
  const thisWeek = weekStart(now);
  const planned: PlannedRun[] = [];
  let counter = 0;
  for (let weeksAgo = WEEKS; weeksAgo >= 1; weeksAgo--) {
    const monday = new Date(thisWeek.getTime() - weeksAgo * 7 * 24 * 60 * MINUTE);
    for (const [environmentIndex, environment] of ENVIRONMENTS.entries()) {
      for (const [drillIndex, drill] of DRILLS.entries()) {
        const count = runsInWeek(environment, drill.id, weeksAgo);
        for (let index = 0; index < count; index++) {
          const day = 1 + ((index + drillIndex * 2 + environmentIndex) % 6);
          const minutes = 9 * 60 + drillIndex * 90 + environmentIndex * 37 + index * 11;
          planned.push({
            environment,
            drill,
            result: RESULTS[counter % RESULTS.length]!,
            createdAt: new Date(monday.getTime() + day * 24 * 60 * MINUTE + minutes * MINUTE),
            spread: ((counter * 37) % 100) / 100,
            requestedBy: ['alice', 'bob', 'schedule:nightly'][counter % 3]!,
          });
          counter++;
        }
      }
    }
  }
  planned.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  // The newest drop-table run in qa failed (its RTO missed, TTD and RPO met): the score then
  // counts a failed run's partial credit, not only all or nothing.
  planned.filter((run) => run.environment === 'qa' && run.drill.id === 'drop-orders-table-manual').at(-1)!.result = 'failed';
  return planned;
}

/** A journal the engine would have written for a run with this result, each event at `offset` ms after start. */
function journalFor(run: PlannedRun): { offsetMs: number; body: EventBody }[] {
  const { drill, result, spread } = run;
  const objectives = drill.objectives;
  const entries: { offsetMs: number; body: EventBody }[] = [];
  const at = (offsetMs: number, body: EventBody) => entries.push({ offsetMs, body });
  at(0, { type: 'run-created', drill, environment: run.environment, requestedBy: run.requestedBy });
  if (result === 'refused') {
    at(400, { type: 'preflight-check', check: 'environment is a staging target', ok: true, detail: run.environment });
    at(900, { type: 'preflight-check', check: 'backup is recent', ok: false, detail: 'the newest backup is 3 days old' });
    at(950, { type: 'refused', reason: 'preflight failed: the newest backup is 3 days old' });
    return entries;
  }
  at(500, { type: 'preflight-check', check: 'environment is a staging target', ok: true, detail: run.environment });
  // The newest order written before the baseline was read.
  const newestBefore = new Date(run.createdAt.getTime() + 900).toISOString();
  if (drill.objectives.rpoMs !== null) at(1_000, { type: 'rpo-baseline', newestBefore });
  const injectedAt = 2_000;
  at(injectedAt - 200, { type: 'injecting', actions: [`inject ${drill.id}`] });
  at(injectedAt, { type: 'injected' });
  // Within the objective, except where the result says otherwise.
  const ttdMs = Math.round((objectives.ttdMs ?? 10 * MINUTE) * (0.2 + 0.6 * spread));
  const rtoMs = Math.round((objectives.rtoMs ?? 60 * MINUTE) * (result === 'failed' ? 1.3 + 0.5 * spread : 0.35 + 0.5 * spread));
  if (result !== 'not-detected') {
    at(injectedAt + ttdMs, { type: 'detected', by: { source: 'alertmanager', name: `${drill.id}-alert` } });
  }
  if (result === 'aborted') {
    at(injectedAt + ttdMs + 30_000, { type: 'abort-requested', by: 'carol', reason: 'the payments team needs staging back' });
    at(injectedAt + ttdMs + 31_000, { type: 'rollback-started', reason: 'aborted by carol' });
    at(injectedAt + ttdMs + 45_000, { type: 'rolled-back' });
    return entries;
  }
  at(injectedAt + rtoMs, { type: 'recovered', stableForMs: 10_000, sawOutage: true });
  at(injectedAt + rtoMs + 2_000, { type: 'verify-check', check: 'service answers', ok: true, detail: 'HTTP 200' });
  if (objectives.rpoMs !== null) {
    const lostMs = Math.round(objectives.rpoMs * (0.2 + 0.5 * spread));
    at(injectedAt + rtoMs + 2_500, {
      type: 'rpo-measured',
      newestBefore,
      newestAfter: new Date(Date.parse(newestBefore) - lostMs).toISOString(),
      marker: 'orders.created_at',
      resolutionMs: 0,
    });
  }
  at(injectedAt + rtoMs + 3_000, { type: 'verified', ok: true });
  return entries;
}

/** Journals every planned run into `store` and dates it in the database at `url`; returns the runs as they now stand. */
export async function seedKnownRuns(store: RunStore, url: string, now = new Date()): Promise<KnownRun[]> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const known: KnownRun[] = [];
  try {
    for (const run of plan(now)) {
      const journal = journalFor(run);
      let runId: string;
      if (run.result === 'refused') {
        runId = await store.createFinishedRun({ drill: run.drill.id, environment: run.environment });
      } else {
        const created = await store.createRun({ drill: run.drill.id, environment: run.environment });
        if (!created.ok) throw new Error(`seeding: ${run.environment} already has active run ${created.activeRunId}`);
        runId = created.runId;
      }
      // One clock for the whole run: durations come from `mono`, as in one engine process.
      const clock = `seed-${runId}`;
      const instant = (offsetMs: number): Instant => ({ at: new Date(run.createdAt.getTime() + offsetMs).toISOString(), mono: offsetMs, clock });
      for (const { offsetMs, body } of journal) await store.append(runId, body, instant(offsetMs));
      const scorecard = scoreRun(runId, await store.events(runId));
      if (!outcomeFits(run.result, scorecard.outcome, scorecard.timeline.detectedAt !== null)) {
        throw new Error(`seeding: a run planned as ${run.result} scored ${scorecard.outcome} (${scorecard.reason ?? 'no reason'})`);
      }
      const lastOffset = journal.at(-1)!.offsetMs;
      await store.append(runId, { type: 'scored', outcome: scorecard.outcome }, instant(lastOffset + 100));
      await store.finish(runId, scorecard.outcome, scorecard);
      const finishedAt = new Date(run.createdAt.getTime() + lastOffset + 200);
      await pool.query('update firedrill_runs set created_at = $2, finished_at = $3 where id = $1', [runId, run.createdAt, finishedAt]);
      known.push({
        id: runId,
        environment: run.environment,
        drill: run.drill,
        result: run.result,
        outcome: scorecard.outcome,
        createdAt: run.createdAt,
        finishedAt,
        requestedBy: run.requestedBy,
        ttdMs: scorecard.ttdMs,
        rtoMs: scorecard.rtoMs,
        rpoMs: scorecard.rpoMs,
        met: scorecard.met,
      });
    }
  } finally {
    await pool.end();
  }
  // Newest first, as the history lists them.
  return known.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}

/** Whether the scorecard says what the plan meant: a seeding mistake must not pass as the pages' bug. */
function outcomeFits(result: RunResult, outcome: Outcome, detected: boolean): boolean {
  switch (result) {
    case 'passed':
      return outcome === 'pass' && detected;
    case 'failed':
      return outcome === 'fail' && detected;
    case 'not-detected':
      return !detected && outcome !== 'aborted' && outcome !== 'refused';
    case 'aborted':
      return outcome === 'aborted';
    case 'refused':
      return outcome === 'refused';
  }
}
