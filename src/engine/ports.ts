import type { Drill } from '../catalogue/drill-schema.js';
import type { Environment } from '../config/config-schema.js';
import type { Scorecard } from '../scoring/scorecard-schema.js';
import type { EventBody, Instant, Outcome, ProcessRole, RunEvent, UndoAction, WalPosition } from './events.js';
import type { ActionItem } from '../followups/follow-ups.js';

export interface RunSummary {
  id: string;
  drill: string;
  environment: string;
  outcome: Outcome | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface ActionItemFilter {
  open?: boolean;
  environment?: string;
  limit?: number;
}

export type CreateRunResult = { ok: true; runId: string } | { ok: false; activeRunId: string };

/** Exclusive ownership of a run by one process; ends when released or when that process dies. */
export interface RunClaim {
  release(): Promise<void>;
}

/** Where runs and their journals live. The database, not process memory, decides what is active. */
export interface RunStore {
  /** Creates an active run, unless the environment already has one. */
  createRun(input: { drill: string; environment: string }): Promise<CreateRunResult>;
  /** Records a run that never became active (refused before it could start). */
  createFinishedRun(input: { drill: string; environment: string }): Promise<string>;
  /**
   * Journals an event. A run that was scored and finished takes follow-ups only (learnings, action
   * items: FOLLOW_UP_EVENTS); any other event is refused with a ScoredRunError. (A run scored but
   * not finished, whose owner died in between, takes recovery's events as before.)
   */
  append(runId: string, body: EventBody, when?: Instant): Promise<RunEvent>;
  events(runId: string): Promise<RunEvent[]>;
  finish(runId: string, outcome: Outcome, scorecard: unknown): Promise<void>;
  claim(runId: string): Promise<RunClaim | undefined>;
  /** Which of these runs some process holds the claim of; looks without taking any. */
  claimed(runIds: readonly string[]): Promise<Set<string>>;
  unfinished(): Promise<RunSummary[]>;
  active(environment?: string): Promise<RunSummary[]>;
  get(runId: string): Promise<RunSummary | undefined>;
  /** Runs whose id starts with `prefix` (people type short ids). */
  findByPrefix(prefix: string): Promise<RunSummary[]>;
  list(filter: { drill?: string; environment?: string; limit: number }): Promise<RunSummary[]>;
  /** Null while the run is going; checked against the scorecard schema as it is read. */
  scorecard(runId: string): Promise<Scorecard | null>;
  /**
   * Action items of every run: `open` true for those not done, false for those done, absent for
   * both; `environment` for that environment's runs. Open before done, then by due date (none
   * last), newest first; at most `limit` (default 100).
   */
  actionItems(filter: ActionItemFilter): Promise<ActionItem[]>;
  /** The action item with this id (ids are unique in the store), or undefined. */
  actionItem(id: string): Promise<ActionItem | undefined>;
  /** Calls `listener` for each event appended to the run from now on, by any process. */
  watch(runId: string, listener: (event: RunEvent) => void): Promise<() => Promise<void>>;
  /** Resolves when the store answers a trivial query within `timeoutMs`; rejects with the reason otherwise. For health checks: never waits out an outage. */
  ping(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface ProbeResult {
  ok: boolean;
  detail: string;
}

export interface Probe {
  readonly name: string;
  check(): Promise<ProbeResult>;
  /**
   * For probes that can hear changes (a Kubernetes watch): calls `wake` whenever what `check`
   * reads may have changed, so recovery is timed from the change rather than from the next
   * interval. `check` still decides; a wake-up only makes it run sooner. Returns the stop function.
   */
  watch?(wake: () => void): Promise<() => Promise<void>>;
}

/** Reads "the newest data present", for RPO. */
export interface RpoMarker {
  readonly description: string;
  /**
   * How far apart the marker's data points are at most: the canary's interval, 0 for a marker
   * that reads the data itself. The lost data's real extent lies within this of the measured RPO.
   */
  readonly resolutionMs: number;
  /** Starts whatever keeps the marker fresh (the canary writer); a no-op for query markers. */
  start(): Promise<void>;
  /** The newest marker value, or, with `atMost`, the newest no later than it. */
  newest(atMost?: Date): Promise<Date | null>;
  stop(): Promise<void>;
}

/** Where a fault records each change as it makes it, so a crash mid-injection still knows what to undo. */
export interface FaultJournal {
  /** Records how to undo a change; call it before making the change, as the engine does with `undoAction`. */
  undoRecorded(undo: UndoAction): Promise<void>;
  /** Records one change made (one API call) and how it is undone, e.g. "none: its ReplicaSet re-creates it". */
  changed(action: string, undoneBy: string): Promise<void>;
  /** Aborts when someone asks to abort the run: an injection that waits (a drain held by a budget) stops waiting. */
  readonly signal: AbortSignal;
}

/** One disaster, prepared for one run. */
export interface Fault {
  /** Every action `inject` will take, for `plan` and for the journal. */
  plan(): string[];
  /** Target checks: is this exactly something the environment allows? Empty when fine. */
  preflight(): Promise<{ check: string; ok: boolean; detail: string }[]>;
  /** What undoes the fault; computed and journaled before `inject` touches anything. */
  undoAction(): Promise<UndoAction>;
  /** Returns what the `injected` event records of the injection, if anything. */
  inject(journal: FaultJournal): Promise<Injection | void>;
}

/** What an injection tells the journal about itself. */
export interface Injection {
  /** A database fault: where it committed in the primary's WAL. */
  walPosition?: WalPosition;
}

/** Runs recorded undo actions. Must be idempotent: a crash may have interrupted it. */
export interface Undoer {
  undo(action: UndoAction): Promise<string>;
  /** How long a command firedrill started gets between SIGTERM and SIGKILL when it is ended before an undo. */
  readonly processGraceMs?: number;
}

/** A command firedrill started, as journaled: `pid` is its process group's id (see `process-started`). */
export interface StartedProcess {
  role: ProcessRole;
  command: string;
  pid: number;
  startTicks: string | null;
}

/**
 * Where the commands firedrill starts for a run are recorded: each before it does anything,
 * and again once its whole process group is gone, so crash recovery knows what may still run.
 */
export interface ProcessJournal {
  started(process: StartedProcess): Promise<void>;
  ended(pid: number, status: string): Promise<void>;
}

/** The run an undoer works for: its commands are told these ids and journal their processes here. */
export interface UndoRun {
  runId: string;
  drillId: string;
  processes: ProcessJournal;
}

export interface Runbook {
  readonly description: string;
  run(signal: AbortSignal, run: RunbookContext): Promise<string>;
}

/** What a runbook may read and record of the run it recovers. */
export interface RunbookContext {
  /** The run's journal so far (where the injection left the database's WAL, say). */
  events(): Promise<RunEvent[]>;
  /** Records how to undo what the runbook is about to change, before it changes it, so a crash cannot leave it. */
  undoRecorded(undo: UndoAction): Promise<void>;
  /** How far it has come, as its tool reports it; call it when that changes. */
  progress(step: { phase: string; itemsDone: number | null; itemsTotal: number | null; warnings: number; errors: number }): Promise<void>;
  /** A figure for the scorecard, e.g. which backup was restored. */
  measured(name: string, value: string | number): Promise<void>;
}

/** Everything one run needs from the outside world, built by the composition root. */
export interface DrillRuntime {
  fault: Fault;
  steadyState: Probe[];
  verify: Probe[];
  /** What the drill must not hurt: checked from preflight until the undo is done; one red aborts the run. */
  guards?: Probe[];
  rpo?: RpoMarker;
  runbook?: Runbook;
  /**
   * Why another process could not take this run over after its owner died, when the run
   * depends on something only its owner held in memory (a takeover then rolls it back).
   */
  notResumable?: string;
  /** Hears every journal event of the run (answers, signals), from any process. */
  onEvent?(event: RunEvent, journal: { append(body: EventBody): Promise<RunEvent> }): void;
  close(): Promise<void>;
}

/**
 * Hears every event of the runs this process starts, e.g. to tell the team's tools. `runEvent`
 * must return at once and never throw: a run does not wait for anyone it tells.
 */
export interface RunEventSink {
  runEvent(event: RunEvent, runId: string): void;
  /** Waits, at most `timeoutMs`, for what is still being told: for a process about to exit. */
  settle(timeoutMs: number): Promise<void>;
}

/**
 * How hard an undo is tried before a person is asked to act. An undo is never bound by a
 * probe's timeout: a database restarting or an API server failing over for a minute must
 * not leave a table dropped. The defaults span about two and a half minutes.
 */
export interface UndoRetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

export interface RuntimeFactory {
  /** Builds the adapters a drill needs in an environment; throws UserError when it cannot. */
  runtimeFor(drill: Drill, environmentName: string, environment: Environment, runId: string, processes: ProcessJournal): Promise<DrillRuntime>;
  undoerFor(environmentName: string, environment: Environment, run: UndoRun): Promise<Undoer & { close(): Promise<void> }>;
  /** How hard undo actions are retried before a run needs attention (the config's `undo:`). */
  readonly undoRetry?: UndoRetryPolicy;
  /** Told every event of every run (the config's `notify:`); none when nobody is to be told. */
  readonly runEvents?: RunEventSink;
}
