import { hostname } from 'node:os';
import type { Environment } from '../config/config-schema.js';
import type { Drill } from '../catalogue/drill-schema.js';
import { UndoIncompleteError } from '../errors.js';
import { scoreRun, type Scorecard } from '../scoring/score-run.js';
import type { Clock } from './clock.js';
import type { DrillSnapshot, EventBody, Identity, Instant, RunEvent } from './events.js';
import { Journal } from './journal.js';
import type { DrillRuntime, RunEventSink, RunStore, RuntimeFactory, Undoer, UndoRetryPolicy } from './ports.js';
import { preflight } from './preflight.js';
import { processJournal } from './process-journal.js';
import { undoRecordedActions } from './rollback.js';
import { RunSignals } from './run-signals.js';
import { watchGuards } from './watch-guards.js';
import { verifyRun } from './verify.js';
import { watchForRecovery } from './watch-recovery.js';

export interface EngineDeps {
  store: RunStore;
  clock: Clock;
  runtimes: RuntimeFactory;
  /** Who drives the run, for the journal (a takeover names the owner it replaces). Default: this host and pid. */
  owner?: string;
}

/** The name a run's journal gives this process as its owner: host (a pod's name in a cluster) and pid. */
export function thisProcessOwner(): string {
  return `${hostname()} pid ${process.pid}`;
}

export interface RunRequest {
  drill: Drill;
  environmentName: string;
  environment: Environment;
  /** How the journal names who asked for the run (on the command line, with any `--as` label). */
  requestedBy: string;
  /** Who really asked: approval must come from another identity. Without it, `requestedBy` is compared. */
  requester?: Identity;
  /** How long a drill with `requiresApproval` waits for a second person. */
  approvalTimeoutMs?: number;
  /** Ends the run early, as an abort by `requestedBy` (Ctrl-C on a terminal). */
  interrupt?: AbortSignal;
  /** Follows the run live: every event, as it is journaled. */
  onEvent?: (event: RunEvent, runId: string) => void;
}

export interface RunResult {
  runId: string;
  scorecard: Scorecard;
}

const DEFAULT_APPROVAL_TIMEOUT_MS = 15 * 60_000;

export async function runDrill(deps: EngineDeps, request: RunRequest): Promise<RunResult> {
  const { store, clock } = deps;
  const { drill, environmentName } = request;
  const requester = request.requester && { requester: request.requester };
  const runCreated: EventBody = { type: 'run-created', drill: snapshot(drill), environment: environmentName, requestedBy: request.requestedBy, ...requester, owner: deps.owner ?? thisProcessOwner() };
  const onEvent = followers(request.onEvent, deps.runtimes.runEvents);
  const created = await store.createRun({ drill: drill.id, environment: environmentName });
  if (!created.ok) {
    const runId = await store.createFinishedRun({ drill: drill.id, environment: environmentName });
    const journal = new Journal(runId, store, clock, onEvent);
    await journal.append(runCreated);
    await journal.append({ type: 'refused', reason: `another run is active in ${environmentName}: ${created.activeRunId}` });
    return score(store, journal);
  }

  const journal = new Journal(created.runId, store, clock, onEvent);
  const claim = await store.claim(created.runId);
  const signals = new RunSignals();
  let runtime: DrillRuntime | undefined;
  const unwatch = await store.watch(created.runId, (event) => {
    signals.handle(event);
    journal.tell(event);
    runtime?.onEvent?.(event, journal);
  });
  // A store that stays down fails this append; the run then fails on its next step, which says why.
  const onInterrupt = () =>
    void journal
      .append({ type: 'abort-requested', by: request.requestedBy, reason: 'interrupted on the terminal', ...(request.requester && { identity: request.requester }) })
      .catch(() => undefined);
  request.interrupt?.addEventListener('abort', onInterrupt, { once: true });
  let undoer: (Undoer & { close(): Promise<void> }) | undefined;
  try {
    await journal.append(runCreated);
    try {
      const processes = processJournal(journal);
      runtime = await deps.runtimes.runtimeFor(drill, environmentName, request.environment, created.runId, processes);
      undoer = await deps.runtimes.undoerFor(environmentName, request.environment, { runId: created.runId, drillId: drill.id, processes });
    } catch (error) {
      await journal.append({ type: 'refused', reason: error instanceof Error ? error.message : String(error) });
      return await score(store, journal);
    }
    const refusal = await refusalBeforeInjection(journal, request, runtime, signals, Boolean(claim));
    if (refusal) {
      await journal.append({ type: 'refused', reason: refusal });
      return await score(store, journal);
    }
    await injectAndWatch(journal, drill, runtime, undoer, signals, deps.runtimes.undoRetry);
    return await score(store, journal);
  } finally {
    request.interrupt?.removeEventListener('abort', onInterrupt);
    await unwatch();
    await runtime?.close();
    await undoer?.close();
    await claim?.release();
  }
}

async function injectAndWatch(
  journal: Journal,
  drill: Drill,
  runtime: DrillRuntime,
  undoer: Undoer,
  signals: RunSignals,
  undoRetry: UndoRetryPolicy | undefined,
): Promise<void> {
  let endReason = 'clean-up after the drill';
  let stage = ' before injection';
  // From before the undo is recorded until it is done: a guard red at any point stops the drill.
  const guards = watchGuards({ journal, guards: runtime.guards ?? [], intervalMs: drill.steadyState.interval, signals });
  try {
    await guards.checkedOnce;
    if (signals.abortRequested) throw new Error('stopped before injection');
    await journal.append({ type: 'undo-recorded', undo: await runtime.fault.undoAction() });
    // After the undo is journaled: what the marker creates (a canary table) is then cleaned even after a crash.
    await runtime.rpo?.start();
    // Read as late as possible: data written between this read and the injection is not counted.
    if (runtime.rpo) {
      const newestBefore = await runtime.rpo.newest();
      await journal.append({ type: 'rpo-baseline', newestBefore: newestBefore?.toISOString() ?? null });
    }
    await journal.append({ type: 'injecting', actions: runtime.fault.plan() });
    stage = ' during injection';
    const injecting = new AbortController();
    const abortRequested = new AbortController();
    void signals.aborted(injecting.signal).then((request) => request && abortRequested.abort());
    let injection;
    try {
      injection = await runtime.fault.inject({
        undoRecorded: async (undo) => void (await journal.append({ type: 'undo-recorded', undo })),
        changed: async (action, undoneBy) => void (await journal.append({ type: 'fault-step', action, undoneBy })),
        signal: abortRequested.signal,
      });
    } finally {
      injecting.abort();
    }
    const walPosition = injection ? injection.walPosition : undefined;
    const injected = await journal.append({ type: 'injected', ...(walPosition && { walPosition }) });
    signals.markInjected(injected);
    endReason = await watchAndVerify(journal, drill, runtime, signals, injected);
  } catch (error) {
    if (signals.abortRequested) {
      // The injection stopped because of the abort: that is the reason, not a failure.
      endReason = abortReason(signals, stage);
    } else {
      endReason = `the run failed: ${error instanceof Error ? error.message : String(error)}`;
      await journal.append({ type: 'failed', error: endReason });
    }
  } finally {
    // A marker that cannot stop must not keep the undo from running.
    await runtime.rpo?.stop().catch(() => undefined);
  }
  let undone: Awaited<ReturnType<typeof undoRecordedActions>>;
  try {
    undone = await undoRecordedActions(journal, undoer, endReason, undoRetry);
  } finally {
    await guards.stop();
  }
  // The run stays active, so its environment stays blocked until `firedrill recover` completes the undo.
  if (!undone.done) throw new UndoIncompleteError(journal.runId, undone.reason ?? 'an undo action failed');
}

function abortReason(signals: RunSignals, when: string): string {
  const request = signals.abortRequested;
  if (request?.guard) return `stopped by guard ${request.guard}${when}: ${request.reason}`;
  return `abort requested by ${request?.by ?? 'someone'}${when}`;
}

/**
 * From the injection on: waits for recovery (or timeout, or abort) and verifies; returns why
 * the undo actions run next. A run taken over after its owner died comes back in here.
 */
export async function watchAndVerify(journal: Journal, drill: Drill, runtime: DrillRuntime, signals: RunSignals, injectedAt: Instant): Promise<string> {
  const outcome = await watchForRecovery({ journal, drill, runtime, signals, injectedAt });
  if (outcome === 'recovered') {
    await verifyRun(journal, runtime);
    return 'clean-up after the drill';
  }
  return outcome === 'timed-out' ? 'maxDuration reached' : abortReason(signals, '');
}

/** Everything that must hold before anything is touched; the first reason to refuse, if any. */
async function refusalBeforeInjection(
  journal: Journal,
  request: RunRequest,
  runtime: DrillRuntime,
  signals: RunSignals,
  claimed: boolean,
): Promise<string | undefined> {
  // Without the claim, crash recovery in another process could undo this run while it runs.
  if (!claimed) return 'could not take ownership of the run in the store';
  let refusal: string | undefined;
  try {
    refusal = await preflight(journal, request.environmentName, request.environment, runtime);
  } catch (error) {
    refusal = `preflight could not complete: ${error instanceof Error ? error.message : String(error)}`;
  }
  refusal ??= await awaitApproval(journal, request, signals);
  const abort = signals.abortRequested ?? (request.interrupt?.aborted ? { by: request.requestedBy, reason: 'interrupted on the terminal' } : undefined);
  return refusal ?? (abort && `aborted by ${abort.by} before injection: ${abort.reason}`);
}

async function awaitApproval(journal: Journal, request: RunRequest, signals: RunSignals): Promise<string | undefined> {
  if (!request.drill.requiresApproval) return undefined;
  await journal.append({ type: 'approval-requested' });
  const timeoutMs = request.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
  const abortRequested = new AbortController();
  const wait = AbortSignal.any([AbortSignal.timeout(timeoutMs), abortRequested.signal, ...(request.interrupt ? [request.interrupt] : [])]);
  void signals.aborted(wait).then((request) => request && abortRequested.abort());
  const approver = await signals.approvedBy({ label: request.requestedBy, identity: request.requester }, wait);
  abortRequested.abort();
  if (approver) return undefined;
  // An abort is reported by the caller, as an abort rather than as a missing approval.
  if (signals.abortRequested || request.interrupt?.aborted) return undefined;
  return `no approval from a second person within ${Math.round(timeoutMs / 1000)}s`;
}

/** Whoever follows the run live; the team's tools are told without the run ever waiting or failing for them. */
function followers(onEvent: RunRequest['onEvent'], sink: RunEventSink | undefined): (event: RunEvent, runId: string) => void {
  return (event, runId) => {
    onEvent?.(event, runId);
    try {
      sink?.runEvent(event, runId);
    } catch {
      // A sink only queues; should it throw anyway, the run goes on.
    }
  };
}

export async function score(store: RunStore, journal: Journal): Promise<RunResult> {
  const scorecard = scoreRun(journal.runId, await journal.events());
  await journal.append({ type: 'scored', outcome: scorecard.outcome });
  await store.finish(journal.runId, scorecard.outcome, scorecard);
  return { runId: journal.runId, scorecard };
}

export function snapshot(drill: Drill): DrillSnapshot {
  return {
    id: drill.id,
    title: drill.title,
    kind: drill.kind,
    severity: drill.severity,
    objectives: {
      ttdMs: drill.objectives.ttd ?? null,
      rtoMs: drill.objectives.rto ?? null,
      rpoMs: drill.objectives.rpo ?? null,
    },
    recovery: drill.recovery.mode === 'automated' ? `automated: ${drill.recovery.runbook.action}` : 'manual',
    ...(drill.description === undefined ? {} : { description: drill.description }),
  };
}
