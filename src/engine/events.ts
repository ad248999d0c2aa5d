/**
 * A run is its journal: every step appends one of these before it acts, and the
 * scorecard, chat updates and crash recovery all read the same list.
 */
export interface Instant {
  /** Wall-clock time, ISO-8601: for display and across processes. */
  at: string;
  /** Monotonic milliseconds of the process that observed it: for durations. */
  mono: number;
  /** Which process's monotonic clock `mono` belongs to. */
  clock: string;
}

export interface UndoAction {
  /** Name of the undo implementation, e.g. `restore-table`. */
  action: string;
  /** One line a person can read: what the undo will do. */
  description: string;
  params: Record<string, unknown>;
}

export interface DetectedBy {
  source: 'alertmanager' | 'grafana' | 'generic' | 'chat' | 'cli';
  /** Alert name or the person who said so. */
  name: string;
  detail?: string;
}

/** What scoring needs of the drill, frozen when the run starts (the catalogue may change later). */
export interface DrillSnapshot {
  id: string;
  title: string;
  kind: string;
  severity: string;
  objectives: { ttdMs: number | null; rtoMs: number | null; rpoMs: number | null };
  recovery: string;
}

export type EventBody =
  | { type: 'run-created'; drill: DrillSnapshot; environment: string; requestedBy: string }
  | { type: 'preflight-check'; check: string; ok: boolean; detail: string }
  | { type: 'approval-requested' }
  | { type: 'approved'; by: string }
  | { type: 'refused'; reason: string }
  | { type: 'rpo-baseline'; newestBefore: string | null }
  | { type: 'undo-recorded'; undo: UndoAction }
  | { type: 'injecting'; actions: string[] }
  /** One change the fault made, with how it is undone (or why it needs no undo). */
  | { type: 'fault-step'; action: string; undoneBy: string }
  | { type: 'injected' }
  | { type: 'detected'; by: DetectedBy }
  | { type: 'signal-ignored'; reason: string; by: DetectedBy }
  | { type: 'alert-resolved'; by: DetectedBy }
  | { type: 'recovery-started'; runbook: string }
  | { type: 'recovery-finished'; ok: boolean; detail: string }
  | { type: 'recovered'; stableForMs: number; sawOutage: boolean }
  | { type: 'verify-check'; check: string; ok: boolean; detail: string }
  | { type: 'rpo-measured'; newestBefore: string | null; newestAfter: string | null }
  | { type: 'verified'; ok: boolean }
  | { type: 'abort-requested'; by: string; reason: string }
  /** `stillRed`: what the probes said last, so a run that never recovered says why. */
  | { type: 'timed-out'; maxDurationMs: number; stillRed?: string[] }
  | { type: 'rollback-started'; reason: string }
  | { type: 'undo-done'; description: string; detail: string }
  | { type: 'undo-failed'; description: string; error: string }
  | { type: 'rolled-back' }
  /** One try of an undo action failed and will be tried again after `retryInMs`. */
  | { type: 'undo-attempt-failed'; description: string; attempt: number; error: string; retryInMs: number }
  /** The undo could not complete: a person must act. The run stays active and blocks its environment. */
  | { type: 'needs-attention'; reason: string }
  /**
   * A command firedrill started, in its own process group (`pid` is the group's id). Journaled
   * as soon as it starts, so that abort, timeout and crash recovery can end the group before an undo.
   * `startTicks` is the process's start time from /proc (null where unknown): a reused pid is not ours.
   */
  | { type: 'process-started'; role: ProcessRole; command: string; pid: number; startTicks: string | null }
  | { type: 'process-ended'; pid: number; status: string }
  | { type: 'failed'; error: string }
  /** A kind-specific figure for the scorecard, e.g. which bucket a key-holder used. */
  | { type: 'measured'; name: string; value: string | number }
  /** A person's answer to a drill's challenge (the key-holder drill). */
  | { type: 'answer-submitted'; by: string; answer: string }
  | { type: 'scored'; outcome: Outcome };

export type ProcessRole = 'inject' | 'undo' | 'probe' | 'runbook' | 'teardown' | 'rebuild';

export type EventType = EventBody['type'];
export type Outcome = 'pass' | 'fail' | 'aborted' | 'refused';

export type RunEvent = EventBody & Instant & { seq: number };

export type EventOf<T extends EventType> = Extract<RunEvent, { type: T }>;

export function findEvent<T extends EventType>(events: readonly RunEvent[], type: T): EventOf<T> | undefined {
  return events.find((event): event is EventOf<T> => event.type === type);
}

export function findEvents<T extends EventType>(events: readonly RunEvent[], type: T): EventOf<T>[] {
  return events.filter((event): event is EventOf<T> => event.type === type);
}

/** Milliseconds from `from` to `to`: monotonic when one process saw both, else wall clock. */
export function elapsedMs(from: Instant, to: Instant): number {
  if (from.clock === to.clock) return to.mono - from.mono;
  return Date.parse(to.at) - Date.parse(from.at);
}
