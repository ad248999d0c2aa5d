import * as z from 'zod';

/**
 * A run is its journal: every step appends one of these before it acts, and the
 * scorecard, chat updates and crash recovery all read the same list. The zod schemas are
 * the definition: the store parses every event with them as it reads it back, so a
 * damaged row is reported rather than trusted. They are built on first use (eventSchemas):
 * some sixty object schemas take zod about 15 ms to build, measured, which every command
 * paid at its start and only a reader of the journal (or of a scorecard) needs.
 */
function buildEventSchemas() {
  const Instant = z.object({
    /** Wall-clock time, ISO-8601: for display and across processes. */
    at: z.string(),
    /** Monotonic milliseconds of the process that observed it: for durations. */
    mono: z.number(),
    /** Which process's monotonic clock `mono` belongs to. */
    clock: z.string(),
  });

  /**
   * What an observation tells of the real moment it stands for: that moment lies no earlier than
   * `beforeMs` before the event's instant and no later than `afterMs` after it. A probe brackets
   * recovery between the start of its last red check and the end of its first green one; a push
   * (webhook, chat, command line) brackets its signal between its arrival less the transport
   * allowance and its arrival. Optional on the events that carry it: older journals lack it.
   */
  const Bracket = z.object({ beforeMs: z.number().min(0), afterMs: z.number().min(0) });

  const UndoAction = z.object({
    /** Name of the undo implementation, e.g. `restore-table`. */
    action: z.string(),
    /** One line a person can read: what the undo will do. */
    description: z.string(),
    params: z.record(z.string(), z.unknown()),
  });

  const DetectedBy = z.object({
    source: z.enum(['alertmanager', 'grafana', 'generic', 'chat', 'cli']),
    /** Alert name or the person who said so. */
    name: z.string(),
    detail: z.string().optional(),
  });

  /**
   * Who really acted, beside the label the journal shows (`by`, `requestedBy`): the identity
   * permissions matched and approval compares. Optional on every event that has it, so journals
   * written before it was recorded still read back.
   */
  const Identity = z.object({
    /** Who vouches for `id`: `os` (the command line and the terminal chat: the operating-system user, or FIREDRILL_USER), a chat platform (`slack`, `matrix`), `schedule`. */
    realm: z.string(),
    /** The name permission lists match: an operating-system user name, a Slack user id, a Matrix user id, a schedule name. */
    id: z.string(),
    /** The operating-system login, where FIREDRILL_USER set a different `id` (for the record). */
    login: z.string().optional(),
  });

  const Objectives = z.object({ ttdMs: z.number().nullable(), rtoMs: z.number().nullable(), rpoMs: z.number().nullable() });

  /** What scoring needs of the drill, frozen when the run starts (the catalogue may change later). */
  const DrillSnapshot = z.object({
    id: z.string(),
    title: z.string(),
    kind: z.string(),
    severity: z.string(),
    objectives: Objectives,
    recovery: z.string(),
    /** The drill's description, for its report; absent in journals from before it was kept. */
    description: z.string().optional(),
  });

  const Outcome = z.enum(['pass', 'fail', 'aborted', 'refused']);

  const ProcessRole = z.enum(['inject', 'undo', 'probe', 'runbook', 'teardown', 'rebuild']);

  /**
   * Where a database fault left the primary's write-ahead log (drop-table): its change
   * committed between `before` and `after` (LSNs), once the primary's clock had passed `at`.
   * A delayed standby that has not replayed up to it still holds what the fault took away.
   */
  const WalPosition = z.object({ before: z.string(), after: z.string(), at: z.string() });

  const event = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) => z.object({ type: z.literal(type), ...shape });

  const EventBody = z.discriminatedUnion('type', [
    /** `owner`: the firedrill process that drives the run (host and pid, or the pod's name). */
    event('run-created', { drill: DrillSnapshot, environment: z.string(), requestedBy: z.string(), requester: Identity.optional(), owner: z.string().optional() }),
    event('preflight-check', { check: z.string(), ok: z.boolean(), detail: z.string() }),
    event('approval-requested', {}),
    event('approved', { by: z.string(), identity: Identity.optional() }),
    event('refused', { reason: z.string() }),
    event('rpo-baseline', { newestBefore: z.string().nullable() }),
    event('undo-recorded', { undo: UndoAction }),
    event('injecting', { actions: z.array(z.string()) }),
    /** One change the fault made, with how it is undone (or why it needs no undo). */
    event('fault-step', { action: z.string(), undoneBy: z.string() }),
    /** `walPosition`: where a database fault committed, for a rescue from a delayed standby. */
    event('injected', { walPosition: WalPosition.optional() }),
    /** `identity`: the person behind a chat or command-line detection; `bracket`: see Bracket. */
    event('detected', { by: DetectedBy, identity: Identity.optional(), bracket: Bracket.optional() }),
    event('signal-ignored', { reason: z.string(), by: DetectedBy, identity: Identity.optional() }),
    event('alert-resolved', { by: DetectedBy }),
    event('recovery-started', { runbook: z.string() }),
    /**
     * How far the automated recovery has come, as its tool reports it (a Velero Restore's
     * status.phase and progress); journaled when it changes.
     */
    event('recovery-progress', {
      phase: z.string(),
      itemsDone: z.number().int().nullable(),
      itemsTotal: z.number().int().nullable(),
      warnings: z.number().int(),
      errors: z.number().int(),
    }),
    event('recovery-finished', { ok: z.boolean(), detail: z.string() }),
    /** Journaled `stableFor` after the instant it carries (the first green check's start); `bracket`: see Bracket. */
    event('recovered', { stableForMs: z.number(), sawOutage: z.boolean(), bracket: Bracket.optional() }),
    event('verify-check', { check: z.string(), ok: z.boolean(), detail: z.string() }),
    /** `marker`: what was read (its description); `resolutionMs`: how far apart its data points are (the canary's interval, 0 for the data itself). */
    event('rpo-measured', {
      newestBefore: z.string().nullable(),
      newestAfter: z.string().nullable(),
      marker: z.string().optional(),
      resolutionMs: z.number().min(0).optional(),
    }),
    event('verified', { ok: z.boolean() }),
    event('abort-requested', { by: z.string(), reason: z.string(), identity: Identity.optional() }),
    /** A guard (something the drill must not hurt) went red during the run: the run aborts and undoes at once. */
    event('guard-tripped', { guard: z.string(), detail: z.string() }),
    /** `stillRed`: what the probes said last, so a run that never recovered says why. */
    event('timed-out', { maxDurationMs: z.number(), stillRed: z.array(z.string()).optional() }),
    event('rollback-started', { reason: z.string() }),
    event('undo-done', { description: z.string(), detail: z.string() }),
    event('undo-failed', { description: z.string(), error: z.string() }),
    event('rolled-back', {}),
    /** One try of an undo action failed and will be tried again after `retryInMs`. */
    event('undo-attempt-failed', { description: z.string(), attempt: z.number(), error: z.string(), retryInMs: z.number() }),
    /** The undo could not complete: a person must act. The run stays active and blocks its environment. */
    event('needs-attention', { reason: z.string() }),
    /**
     * A command firedrill started, in its own process group (`pid` is the group's id). Journaled
     * as soon as it starts, so that abort, timeout and crash recovery can end the group before an undo.
     * `startTicks` is the process's start time from /proc (null where unknown): a reused pid is not ours.
     */
    event('process-started', { role: ProcessRole, command: z.string(), pid: z.number().int(), startTicks: z.string().nullable() }),
    event('process-ended', { pid: z.number().int(), status: z.string() }),
    event('failed', { error: z.string() }),
    /**
     * The run's owner died and the leading replica took the run over: `resumed` watching for
     * recovery (still timed from the original injection) or `rolled-back` what was injected.
     * `gapMs`: from the old owner's last journal entry to the takeover, the most time nothing watched.
     */
    event('taken-over', { from: z.string().nullable(), to: z.string(), gapMs: z.number().nullable(), action: z.enum(['resumed', 'rolled-back']), why: z.string() }),
    /** A kind-specific figure for the scorecard, e.g. which bucket a key-holder used. */
    event('measured', { name: z.string(), value: z.union([z.string(), z.number()]) }),
    /** A person's answer to a drill's challenge (the key-holder drill). */
    event('answer-submitted', { by: z.string(), answer: z.string() }),
    event('scored', { outcome: Outcome }),
    /**
     * Follow-ups: what people learned from the run and what they will do about it (src/followups/).
     * They may be added at any time, also after `scored`: they are the only events a scored run takes.
     */
    event('learning-added', { text: z.string().min(1), by: z.string(), identity: Identity.optional() }),
    /** `id`: short and typeable (`done <id>`), unique in the store; `owner`: an @mention; `due`: YYYY-MM-DD. */
    event('action-added', {
      id: z.string().min(1),
      text: z.string().min(1),
      owner: z.string().nullable(),
      due: z.string().nullable(),
      by: z.string(),
      identity: Identity.optional(),
    }),
    event('action-done', { id: z.string().min(1), by: z.string(), identity: Identity.optional() }),
  ]);
  return { Instant, Bracket, UndoAction, DetectedBy, Identity, DrillSnapshot, Outcome, ProcessRole, WalPosition, EventBody };
}

type EventSchemas = ReturnType<typeof buildEventSchemas>;
export type Instant = z.infer<EventSchemas['Instant']>;
export type Bracket = z.infer<EventSchemas['Bracket']>;
export type UndoAction = z.infer<EventSchemas['UndoAction']>;
export type DetectedBy = z.infer<EventSchemas['DetectedBy']>;
export type Identity = z.infer<EventSchemas['Identity']>;
export type DrillSnapshot = z.infer<EventSchemas['DrillSnapshot']>;
export type Outcome = z.infer<EventSchemas['Outcome']>;
export type ProcessRole = z.infer<EventSchemas['ProcessRole']>;
export type WalPosition = z.infer<EventSchemas['WalPosition']>;
export type EventBody = z.infer<EventSchemas['EventBody']>;

let schemas: EventSchemas | undefined;
export function eventSchemas(): EventSchemas {
  return (schemas ??= buildEventSchemas());
}

export function eventBodySchema(): EventSchemas['EventBody'] {
  return eventSchemas().EventBody;
}

export type EventType = EventBody['type'];

/** The events a run takes after it was scored, and which leave its scorecard as it was. */
export const FOLLOW_UP_EVENTS = ['learning-added', 'action-added', 'action-done'] as const satisfies readonly EventType[];

export function isFollowUp(event: { type: EventType }): boolean {
  return (FOLLOW_UP_EVENTS as readonly EventType[]).includes(event.type);
}

export type RunEvent = EventBody & Instant & { seq: number };

export type EventOf<T extends EventType> = Extract<RunEvent, { type: T }>;

export function findEvent<T extends EventType>(events: readonly RunEvent[], type: T): EventOf<T> | undefined {
  return events.find((event): event is EventOf<T> => event.type === type);
}

export function findEvents<T extends EventType>(events: readonly RunEvent[], type: T): EventOf<T>[] {
  return events.filter((event): event is EventOf<T> => event.type === type);
}

/** The reason of the newest needs-attention event, unless an undo completed after it. */
export function unresolvedAttention(events: readonly RunEvent[]): string | undefined {
  const attention = findEvents(events, 'needs-attention').at(-1);
  if (!attention) return undefined;
  const resolved = events.some((event) => event.seq > attention.seq && event.type === 'rolled-back');
  return resolved ? undefined : attention.reason;
}

/** Milliseconds from `from` to `to`: monotonic when one process saw both, else wall clock. */
export function elapsedMs(from: Instant, to: Instant): number {
  if (from.clock === to.clock) return to.mono - from.mono;
  return Date.parse(to.at) - Date.parse(from.at);
}
