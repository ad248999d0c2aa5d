import { effectiveDrill, type DrillCatalogue } from '../catalogue/effective.js';
import { ownValue } from '../catalogue/own.js';
import { UserError } from '../errors.js';
import { sameIdentity, type Actor, type Recorded } from './actor.js';
import type { Clock } from './clock.js';
import { arrivalNow, bracketOf, type Arrival } from './arrival.js';
import { findEvent, findEvents, type DetectedBy, type EventBody, type Instant } from './events.js';
import { arrivedAfterFaultBegan, faultBegun } from './detection.js';
import { approvalRefusal, requirePermission } from './permissions.js';
import type { RunStore, RunSummary } from './ports.js';
import { resolveRun } from './resolve-run.js';

/** What a person says about a run going on, from chat or the command line. */
export type PersonSignal = 'detected' | 'recovered' | 'abort' | 'approve';

export interface PersonSignalDeps {
  catalogue: DrillCatalogue;
  store: RunStore;
  clock: Clock;
}

/** What the signal did, for each front end to render in its own words. */
export type SignalOutcome =
  | { kind: 'detected'; run: RunSummary; at: Instant; beforeInjection: boolean }
  | { kind: 'detection-ignored'; run: RunSummary; at: Instant; reason: string }
  | { kind: 'recovered'; run: RunSummary; at: Instant }
  | { kind: 'abort'; run: RunSummary; at: Instant; undo: string[] }
  | { kind: 'approve'; run: RunSummary; at: Instant };

/**
 * The one way a person's signal reaches a run, whatever the front end: the run (by id prefix,
 * or the only active one), the permission (`requirePermission`), the drill's detection rule and
 * the second-person rule of approval are checked here, then the signal is journaled with the
 * actor's label and identity. Throws a UserError that says why and who may.
 */
export async function reportSignal(
  deps: PersonSignalDeps,
  actor: Actor,
  signal: PersonSignal,
  runPrefix: string | undefined,
  /** When the signal reached firedrill (default: now); a detection carries it as its bracket. */
  arrival: Arrival = arrivalNow(deps.clock),
): Promise<SignalOutcome> {
  const run = await resolveRun(deps.store, runPrefix);
  const id = run.id.slice(0, 8);
  if (run.finishedAt) throw new UserError(`run ${id} is already over (${run.outcome})`, `see it with \`scorecard ${id}\` in chat or \`firedrill scorecards ${id}\``);
  const environment = ownValue(deps.catalogue.config.environments, run.environment);
  if (!environment) throw new UserError(`run ${id} is in ${run.environment}, which the config no longer has`);
  const events = await deps.store.events(run.id);
  const created = findEvent(events, 'run-created');
  const requester: Recorded | undefined = created && { label: created.requestedBy, identity: created.requester };
  requirePermission(signal === 'detected' || signal === 'recovered' ? 'signal' : signal, actor, run.environment, environment, requester);
  const { identity } = actor;
  const { at } = arrival;
  const append = (body: EventBody) => deps.store.append(run.id, body, at);
  // The fault may be in effect from the moment its injection begins (detection.ts): a stated time is checked against that.
  const begun = faultBegun(events);
  if (arrival.stated) checkStatedTime(id, at, begun, deps.clock.now());

  switch (signal) {
    case 'detected': {
      const by: DetectedBy = { source: actor.via.kind, name: actor.label };
      if (!peopleMayReportDetection(deps.catalogue, run.drill, run.environment)) {
        const reason = 'this drill counts only alerts as detection, not people in chat or on the command line (detection.chat: false)';
        await append({ type: 'signal-ignored', reason, by, identity });
        return { kind: 'detection-ignored', run, at, reason };
      }
      await append({ type: 'detected', by, identity, bracket: bracketOf(arrival) });
      // Stamped when it arrived: the same rule as alerts and the scorecard (detection.ts) says whether it counts.
      return { kind: 'detected', run, at, beforeInjection: !arrivedAfterFaultBegan(begun, at) };
    }
    case 'recovered': {
      // The journal has no "person says recovered" step: the probes decide recovery. The claim
      // is kept as a measurement so the scorecard shows who said so and when.
      await append({ type: 'measured', name: `recovery reported by ${actor.label}`, value: at.at });
      return { kind: 'recovered', run, at };
    }
    case 'abort': {
      const reason = actor.via.kind === 'chat' ? `asked in chat (${actor.via.channel})` : 'asked on the command line';
      await append({ type: 'abort-requested', by: actor.label, reason, identity });
      return { kind: 'abort', run, at, undo: findEvents(events, 'undo-recorded').map((event) => event.undo.description) };
    }
    case 'approve': {
      if (!findEvent(events, 'approval-requested')) throw new UserError(`run ${id} is not waiting for approval`);
      // A self-approval in the journal (written by hand, or before identities were kept) does not count.
      const approvals = findEvents(events, 'approved').map((event): Recorded => ({ label: event.by, identity: event.identity }));
      if (approvals.some((approval) => !requester || !sameIdentity(approval, requester))) throw new UserError(`run ${id} is already approved`);
      const refusal = requester && approvalRefusal(actor, requester);
      if (refusal) throw refusal;
      await append({ type: 'approved', by: actor.label, identity });
      return { kind: 'approve', run, at };
    }
  }
}

/** A time the person gave (`--at`) must lie between the start of the injection and now. */
function checkStatedTime(id: string, at: Instant, injected: Instant | undefined, now: Instant): void {
  const hint = 'give the time you noticed, e.g. --at 2025-03-04T10:15:30Z (after the fault was injected, not in the future)';
  if (Date.parse(at.at) > Date.parse(now.at)) throw new UserError(`--at ${at.at} is in the future`, hint);
  if (!injected) throw new UserError(`run ${id} has not injected its fault yet: there is nothing to have noticed at ${at.at}`, hint);
  if (Date.parse(at.at) < Date.parse(injected.at)) throw new UserError(`--at ${at.at} is before the fault was injected (${injected.at})`, hint);
}

/**
 * Whether a person's "detected" counts for the drill, from chat or the command line (the drill's
 * `detection.chat`); true when the catalogue no longer has the drill.
 */
export function peopleMayReportDetection(catalogue: DrillCatalogue, drillId: string, environment: string): boolean {
  try {
    return effectiveDrill(catalogue, drillId, environment).detection.chat;
  } catch {
    return true;
  }
}
