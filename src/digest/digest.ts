import type { Config } from '../config/config-schema.js';
import type { DrillCatalogue } from '../catalogue/effective.js';
import type { RunHistory, RunRecord, RunTrends } from '../history/ports.js';
import { countedStandings, scoredDrills } from '../scoring/environment-score.js';
import { resilienceScore, type DrillScore } from '../scoring/resilience-score.js';

/** What happened to the runs of a period, by how they ended (runs still going are not counted). */
export interface RunCounts {
  /** Finished runs that tested something: all but the refused. */
  run: number;
  passed: number;
  failed: number;
  notDetected: number;
  aborted: number;
  refused: number;
}

/** The objective a run missed by the most: measured / objective, or never measured at all. */
export interface ObjectiveMiss {
  runId: string;
  environment: string;
  drill: string;
  title: string;
  measure: 'TTD' | 'RTO' | 'RPO';
  objectiveMs: number;
  /** Null when it was never measured (nobody detected it, service never came back). */
  measuredMs: number | null;
  at: string;
}

/** An action item as the digest lists it (the follow-ups' ActionItem has at least these). */
export interface DigestActionItem {
  id: string;
  runId: string;
  text: string;
  owner: string | null;
  due: string | null;
}

export interface EnvironmentDigest {
  environment: string;
  counts: RunCounts;
  previousCounts: RunCounts;
  /** The resilience score at the end of the period, and at its start: the trend. */
  score: number | null;
  scoreAtStart: number | null;
  overdue: Pick<DrillScore, 'drill' | 'title' | 'severity' | 'lastRunAt' | 'lastResult' | 'overdueSince'>[];
}

export interface Digest {
  from: string;
  to: string;
  environments: EnvironmentDigest[];
  worstMiss: ObjectiveMiss | null;
  /** Null when this deployment has no action items to read (the store does not keep them). */
  actions: { open: DigestActionItem[]; overdue: DigestActionItem[] } | null;
  overviewUrl: string | null;
}

export interface DigestSources {
  history: Pick<RunHistory, 'exportRuns'> & Pick<RunTrends, 'countedRunsBefore'>;
  catalogue: DrillCatalogue & { config: Config };
  /** Open action items of the environments covered, when the store keeps them. */
  openActionItems?: (environment: string) => Promise<DigestActionItem[]>;
}

export interface DigestOptions {
  /** The end of the period: now. */
  to: Date;
  /** Its start; default: a week before `to`. The trend compares with the period as long just before. */
  from?: Date;
  /** Default: the config's digest.environments, else every environment that is not protected. */
  environments?: string[];
  /** Where the overview page is (server.publicUrl), for the link. */
  publicUrl?: string;
}

const WEEK_MS = 7 * 86_400_000;

/**
 * The weekly digest's content, from the run history alone: one core that the schedule posts
 * to chat, `firedrill digest` prints, and a test reads with a clock it chose.
 */
export async function buildDigest(sources: DigestSources, options: DigestOptions): Promise<Digest> {
  const to = options.to;
  const from = options.from ?? new Date(to.getTime() - WEEK_MS);
  const before = new Date(from.getTime() - (to.getTime() - from.getTime()));
  const { config } = sources.catalogue;
  const names = options.environments ?? config.digest?.environments ?? Object.entries(config.environments).filter(([, env]) => !env.protected).map(([name]) => name);

  const environments: EnvironmentDigest[] = [];
  const misses: ObjectiveMiss[] = [];
  const open: DigestActionItem[] = [];
  for (const environment of names) {
    const runs = await collect(sources.history.exportRuns({ environment, from: before, to }));
    const inPeriod = runs.filter((run) => Date.parse(run.createdAt) >= from.getTime());
    const drills = scoredDrills(sources.catalogue, environment);
    const score = resilienceScore({ environment, now: to, drills, standings: await countedStandings(sources.history, environment, to) });
    const atStart = resilienceScore({ environment, now: from, drills, standings: await countedStandings(sources.history, environment, from) });
    environments.push({
      environment,
      counts: countRuns(inPeriod),
      previousCounts: countRuns(runs.filter((run) => Date.parse(run.createdAt) < from.getTime())),
      score: score.score,
      scoreAtStart: atStart.score,
      overdue: score.drills
        .filter((drill) => drill.overdue)
        .map(({ drill, title, severity, lastRunAt, lastResult, overdueSince }) => ({ drill, title, severity, lastRunAt, lastResult, overdueSince })),
    });
    misses.push(...inPeriod.flatMap(missesOf));
    if (sources.openActionItems) open.push(...(await sources.openActionItems(environment)));
  }
  const overdueActions = open.filter((item) => item.due !== null && Date.parse(endOfDay(item.due)) < to.getTime());
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    environments,
    worstMiss: worst(misses),
    actions: sources.openActionItems ? { open, overdue: overdueActions } : null,
    // A publicUrl may have a path (behind a proxy): the overview is at its root.
    overviewUrl: options.publicUrl ? (options.publicUrl.endsWith('/') ? options.publicUrl : `${options.publicUrl}/`) : null,
  };
}

export function countRuns(runs: readonly RunRecord[]): RunCounts {
  const count = (result: RunRecord['result']) => runs.filter((run) => run.result === result).length;
  const refused = count('refused');
  const finished = runs.filter((run) => run.result !== null).length;
  return { run: finished - refused, passed: count('passed'), failed: count('failed'), notDetected: count('not-detected'), aborted: count('aborted'), refused };
}

function missesOf(run: RunRecord): ObjectiveMiss[] {
  const measures = [
    ['TTD', run.met.ttd, run.objectives.ttdMs, run.ttdMs],
    ['RTO', run.met.rto, run.objectives.rtoMs, run.rtoMs],
    ['RPO', run.met.rpo, run.objectives.rpoMs, run.rpoMs],
  ] as const;
  return measures
    .filter(([, met, objectiveMs]) => met === false && objectiveMs !== null)
    .map(([measure, , objectiveMs, measuredMs]) => ({
      runId: run.id,
      environment: run.environment,
      drill: run.drill,
      title: run.title ?? run.drill,
      measure,
      objectiveMs: objectiveMs!,
      measuredMs,
      at: run.finishedAt ?? run.createdAt,
    }));
}

/** By how many times the objective was missed; never measured is the worst; the newest breaks a tie. */
function worst(misses: readonly ObjectiveMiss[]): ObjectiveMiss | null {
  const ratio = (miss: ObjectiveMiss) => (miss.measuredMs === null ? Number.POSITIVE_INFINITY : miss.measuredMs / miss.objectiveMs);
  let found: ObjectiveMiss | null = null;
  for (const miss of misses) {
    if (found === null || ratio(miss) > ratio(found) || (ratio(miss) === ratio(found) && miss.at > found.at)) found = miss;
  }
  return found;
}

/** A due date without a time is due until the end of that day (UTC). */
function endOfDay(due: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(due) ? `${due}T23:59:59.999Z` : due;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
