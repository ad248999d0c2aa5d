import { formatDuration } from '../catalogue/duration.js';
import type { DrillCatalogue } from '../catalogue/effective.js';
import { didYouMean, joinParts } from '../catalogue/suggest.js';
import type { RunStore, RunSummary } from '../engine/ports.js';
import { UserError } from '../errors.js';
import type { Scorecard } from '../scoring/scorecard-schema.js';

/** A recent run with its scorecard (null while it is going): one row of `firedrill scorecards` and chat's `history`. */
export interface RecentRun {
  run: RunSummary;
  scorecard: Scorecard | null;
}

export interface RecentRunsFilter {
  drill?: string;
  environment?: string;
  limit: number;
}

/** The newest runs first, each with its scorecard. */
export async function recentRuns(store: Pick<RunStore, 'list' | 'scorecard'>, filter: RecentRunsFilter): Promise<RecentRun[]> {
  const runs = await store.list(filter);
  return Promise.all(runs.map(async (run) => ({ run, scorecard: await store.scorecard(run.id) })));
}

/** One word that names a drill or an environment (chat's `history staging`), as a filter; a typo gets did-you-mean. */
export function historyFilterOf(catalogue: DrillCatalogue, name: string | undefined): Omit<RecentRunsFilter, 'limit'> {
  if (name === undefined) return {};
  const environments = Object.keys(catalogue.config.environments);
  const drills = [...catalogue.drills.keys()];
  if (environments.includes(name)) return { environment: name };
  if (drills.includes(name)) return { drill: name };
  throw new UserError(joinParts(`"${name}" is neither a drill nor an environment`, didYouMean(name, [...environments, ...drills])), 'usage: history [drill|env] [n]');
}

/** `2026-11-30 09:00  3f2a9c41  pass     drop-orders-table in staging  TTD 12.5s RTO 2m4s RPO -` */
export function recentRunLine({ run, scorecard }: RecentRun): string {
  const measures = scorecard
    ? (['ttd', 'rto', 'rpo'] as const).map((key) => `${key.toUpperCase()} ${msText(scorecard[`${key}Ms`])}`).join(' ')
    : 'running';
  return `${run.createdAt.slice(0, 16).replace('T', ' ')}  ${run.id.slice(0, 8)}  ${(run.outcome ?? 'active').padEnd(7)}  ${run.drill} in ${run.environment}  ${measures}`;
}

function msText(ms: number | null): string {
  return ms === null ? '-' : formatDuration(ms);
}
