import type { DrillSnapshot, Outcome, RunEvent } from '../engine/events.js';
import { describeEvent } from '../scoring/describe-event.js';
import { scoreRun } from '../scoring/score-run.js';
import type { NoticeKind } from './notify-schema.js';

/** One thing a run did, as the team's tools are told it: the same words as the timeline. */
export interface RunNotice {
  kind: NoticeKind;
  runId: string;
  drill: Pick<DrillSnapshot, 'id' | 'title' | 'kind' | 'severity'>;
  environment: string;
  requestedBy: string;
  /** When it happened (ISO-8601): for `recovered`, the start of the green streak, not when it was journaled. */
  at: string;
  /** One line, as on the scorecard's timeline. */
  text: string;
  /** For `finished`: the scorecard's outcome and why. */
  outcome?: Outcome;
  reason?: string | null;
}

interface FollowedRun {
  created: Extract<RunEvent, { type: 'run-created' }>;
  events: RunEvent[];
  told: Set<NoticeKind>;
}

/**
 * Turns a run's journal, heard one event at a time (in any order another process's events
 * arrive), into notices: each kind once per run, `finished` with the scorecard's outcome.
 */
export class RunNotices {
  private readonly runs = new Map<string, FollowedRun>();

  from(event: RunEvent, runId: string): RunNotice[] {
    if (event.type === 'run-created') this.runs.set(runId, { created: event, events: [], told: new Set() });
    const run = this.runs.get(runId);
    if (!run) return [];
    run.events.push(event);
    const kind = noticeKindOf(event, run);
    if (!kind || run.told.has(kind)) return [];
    run.told.add(kind);
    const { drill, environment, requestedBy } = run.created;
    const notice: RunNotice = {
      kind,
      runId,
      drill: { id: drill.id, title: drill.title, kind: drill.kind, severity: drill.severity },
      environment,
      requestedBy,
      at: event.at,
      text: describeEvent(event),
    };
    if (kind === 'finished') {
      this.runs.delete(runId);
      const scorecard = scoreRun(runId, [...run.events].sort((a, b) => a.seq - b.seq));
      return [{ ...notice, outcome: scorecard.outcome, reason: scorecard.reason, text: finishedText(scorecard.outcome, scorecard.reason) }];
    }
    return [notice];
  }
}

function noticeKindOf(event: RunEvent, run: FollowedRun): NoticeKind | undefined {
  switch (event.type) {
    case 'run-created':
      return 'started';
    case 'injected':
      return 'injected';
    case 'detected':
      // Only a detection after injection counts, as on the scorecard.
      return run.told.has('injected') ? 'detected' : undefined;
    case 'recovered':
      return 'recovered';
    case 'abort-requested':
    case 'guard-tripped':
    case 'timed-out':
      return 'aborted';
    case 'scored':
      return 'finished';
    default:
      return undefined;
  }
}

function finishedText(outcome: Outcome, reason: string | null): string {
  return reason ? `drill finished: ${outcome}: ${reason}` : `drill finished: ${outcome}`;
}
