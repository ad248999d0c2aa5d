import { writeFile } from 'node:fs/promises';
import { effectiveDrill } from '../catalogue/load.js';
import { junitReport } from '../reports/junit.js';
import { parseDuration } from '../catalogue/duration.js';
import { runtimeFactoryFor } from '../compose/index.js';
import { runDrill } from '../engine/run-drill.js';
import type { Actor } from '../engine/actor.js';
import type { Arrival } from '../engine/arrival.js';
import { reportSignal, type PersonSignal, type PersonSignalDeps } from '../engine/person-signals.js';
import { requirePermission } from '../engine/permissions.js';
import { UserError } from '../errors.js';
import { resolveRun } from '../engine/resolve-run.js';
import type { Scorecard } from '../scoring/score-run.js';
import { loadCatalogueOrExplain, openStoreAndRecover, type CliContext } from './context.js';
import { liveProgress } from './live-progress.js';
import { renderScorecard, type ScorecardFormat } from '../scoring/render-scorecard.js';
import { ownValue } from '../catalogue/own.js';
import { recentRunLine, recentRuns } from '../history/recent-runs.js';

export interface RunOptions {
  /** Who runs it: the operating-system user (see identity.ts), with any `--as` label. */
  actor: Actor;
  format: ScorecardFormat;
  approvalTimeout?: string;
  interrupt: AbortSignal;
  /** Where to write the result as JUnit XML too (`--junit`). */
  junit?: string;
}

const NOTIFY_SETTLE_MS = 10_000;

export async function runCommand(context: CliContext, configPath: string, drillId: string, environmentName: string, options: RunOptions): Promise<number> {
  const catalogue = await loadCatalogueOrExplain(context, configPath);
  // Throws a UserError, with did-you-mean, for an unknown drill or environment.
  const drill = effectiveDrill(catalogue, drillId, environmentName);
  const environment = ownValue(catalogue.config.environments, environmentName)!;
  requirePermission('run', options.actor, environmentName, environment);
  const approvalTimeoutMs = options.approvalTimeout === undefined ? undefined : parseDuration(options.approvalTimeout);
  if (approvalTimeoutMs === undefined && options.approvalTimeout !== undefined) {
    throw new UserError(`--approval-timeout ${options.approvalTimeout} is not a duration`, 'write e.g. 90s, 15m or 1h');
  }
  const opened = await openStoreAndRecover(context, catalogue);
  const progress = liveProgress(context.err);
  const runtimes = runtimeFactoryFor(catalogue, context.env);
  try {
    const result = await runDrill(
      { store: opened.store, clock: context.clock, runtimes },
      {
        drill,
        environmentName,
        environment,
        requestedBy: options.actor.label,
        requester: options.actor.identity,
        approvalTimeoutMs,
        interrupt: options.interrupt,
        onEvent: (event, runId) => {
          if (options.format === 'json') return;
          if (event.type === 'run-created') context.err(`run ${runId}\n`);
          progress(event);
          if (event.type === 'approval-requested') {
            context.err(`   waiting for a second person: approve from chat, or as another user: firedrill approve ${runId.slice(0, 8)}\n`);
          }
          if (event.type === 'injected') context.err(`   say when you notice: firedrill detected ${runId.slice(0, 8)}; abort: firedrill abort ${runId.slice(0, 8)}\n`);
        },
      },
    );
    context.out(renderScorecard(result.scorecard, options.format));
    if (options.junit) await writeFile(options.junit, junitReport(result.scorecard));
    return exitCodeFor(result.scorecard);
  } finally {
    // The process exits next: the last notices (an incident to resolve) get a few seconds.
    await runtimes.runEvents?.settle(NOTIFY_SETTLE_MS);
    await opened.close();
  }
}

export function exitCodeFor(scorecard: Scorecard): number {
  return scorecard.outcome === 'pass' ? 0 : 1;
}

export async function scorecardsCommand(
  context: CliContext,
  configPath: string,
  options: { format: ScorecardFormat; drill?: string; env?: string; limit: number; run?: string },
): Promise<number> {
  const catalogue = await loadCatalogueOrExplain(context, configPath);
  const opened = await openStoreAndRecover(context, catalogue);
  try {
    if (options.run) {
      const run = await resolveRun(opened.store, options.run);
      const scorecard = await opened.store.scorecard(run.id);
      if (!scorecard) throw new UserError(`run ${run.id} is still going: it has no scorecard yet`);
      context.out(renderScorecard(scorecard, options.format));
      return 0;
    }
    const runs = await recentRuns(opened.store, { drill: options.drill, environment: options.env, limit: options.limit });
    if (options.format === 'json') {
      context.out(`${JSON.stringify(runs.flatMap(({ scorecard }) => (scorecard ? [scorecard] : [])), null, 2)}\n`);
      return 0;
    }
    if (runs.length === 0) context.err(`no runs yet in ${opened.location}; try: firedrill demo\n`);
    for (const run of runs) context.out(`${recentRunLine(run)}\n`);
    return 0;
  } finally {
    await opened.close();
  }
}

/** A person's signal for a run going on elsewhere: detected, recovered, abort, approve. The core decides; this prints. */
export async function signalCommand(
  context: CliContext,
  configPath: string,
  runIdOrPrefix: string,
  signal: PersonSignal,
  actor: Actor,
  /** When the person said so: for `detected`, the process's start or their `--at`. */
  arrival?: Arrival,
): Promise<number> {
  const catalogue = await loadCatalogueOrExplain(context, configPath);
  const opened = await openStoreAndRecover(context, catalogue);
  try {
    return await reportAndPrintSignal(context, { catalogue, store: opened.store, clock: context.clock }, runIdOrPrefix, signal, actor, arrival);
  } finally {
    await opened.close();
  }
}

/** The core's `reportSignal`, its outcome printed; a refusal is thrown as the core's UserError, as chat gets it. */
export async function reportAndPrintSignal(
  context: Pick<CliContext, 'err'>,
  deps: PersonSignalDeps,
  runIdOrPrefix: string,
  signal: PersonSignal,
  actor: Actor,
  arrival?: Arrival,
): Promise<number> {
  const outcome = await reportSignal(deps, actor, signal, runIdOrPrefix, arrival);
  const recorded = `${signal} recorded for run ${outcome.run.id} by ${actor.label}`;
  switch (outcome.kind) {
    case 'detection-ignored':
      context.err(`detected noted for run ${outcome.run.id} by ${actor.label}, but not counted: ${outcome.reason}\n`);
      break;
    case 'detected':
      context.err(`${recorded} at ${outcome.at.at}${outcome.beforeInjection ? '; the fault was not in effect yet, so it does not count as detection' : ''}\n`);
      break;
    case 'recovered':
      context.err(`${recorded}; the RTO ends when the steady-state probes stay green: they confirm it\n`);
      break;
    case 'abort':
      context.err(`${recorded}\n${outcome.undo.map((description) => `   undoing: ${description}\n`).join('')}`);
      break;
    case 'approve':
      context.err(`${recorded}\n`);
  }
  return 0;
}

export async function recoverCommand(context: CliContext, configPath: string): Promise<number> {
  const catalogue = await loadCatalogueOrExplain(context, configPath);
  const opened = await openStoreAndRecover(context, catalogue, { retryNeedsAttention: true });
  try {
    const left = await opened.store.unfinished();
    context.err(
      left.length
        ? `${left.length} run(s) still active (owned by a live firedrill process, or their undo needs attention): see \`firedrill status\`\n`
        : 'no unfinished runs\n',
    );
    return left.length ? 1 : 0;
  } finally {
    await opened.close();
  }
}
