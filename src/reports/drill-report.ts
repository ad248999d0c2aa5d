import { findEvent, findEvents, type Identity, type RunEvent } from '../engine/events.js';
import { followUpsOf } from '../followups/follow-ups.js';
import { scoreRun } from '../scoring/score-run.js';
import type { Scorecard } from '../scoring/scorecard-schema.js';
import { AUDIT_CONTROLS } from './audit-controls.js';
import { evidenceOf } from './report-evidence.js';
import { REPORT_FORMAT, type DrillReport, type MeasureReport, type Participant } from './report-model.js';

export { renderReportMarkdown } from './render-report-markdown.js';
export { REPORT_FORMAT, type DrillReport, type MeasureReport, type Participant, type ReportedAction } from './report-model.js';

export interface DrillReportInput {
  runId: string;
  /** The run's whole journal, follow-ups included. */
  events: readonly RunEvent[];
  /** The stored scorecard; null while the run goes on. */
  scorecard: Scorecard | null;
  /** When the report is made: its date as a record, and what "overdue" is judged against. */
  generatedAt: string;
}

/** The report, from the journal and the scorecard alone: every front end gets the same one. */
export function buildDrillReport(input: DrillReportInput): DrillReport {
  const { runId, events, scorecard, generatedAt } = input;
  const created = findEvent(events, 'run-created');
  if (!created) throw new Error(`run ${runId} has no run-created event`);
  // While a run goes on, its journal so far says what it measured so far.
  const measured = scorecard ?? scoreRun(runId, events);
  const scored = findEvent(events, 'scored');
  const { learnings, actions } = followUpsOf(events, runId);
  const today = generatedAt.slice(0, 10);
  return {
    format: REPORT_FORMAT,
    generatedAt,
    controls: AUDIT_CONTROLS,
    run: {
      id: runId,
      state: scorecard ? 'finished' : 'running',
      outcome: scorecard?.outcome ?? null,
      reason: scorecard?.reason ?? null,
      startedAt: created.at,
      ...measured.timeline,
      scoredAt: scored?.at ?? null,
    },
    scenario: {
      drill: created.drill.id,
      title: created.drill.title,
      environment: created.environment,
      kind: created.drill.kind,
      severity: created.drill.severity,
      description: created.drill.description ?? null,
      recovery: created.drill.recovery,
    },
    participants: participantsOf(events, measured),
    objectives: objectivesOf(measured, scorecard !== null),
    timeline: measured.events,
    evidence: evidenceOf(events, measured),
    notes: measured.notes,
    learnings,
    actions: actions.map((action) => ({ ...action, state: action.doneAt ? 'done' : action.due !== null && action.due < today ? 'overdue' : 'open' })),
  };
}

function objectivesOf(scorecard: Scorecard, final: boolean): MeasureReport[] {
  return (['ttd', 'rto', 'rpo'] as const).map((key) => {
    const bounds = scorecard.bounds[`${key}Ms`];
    return {
      measure: key.toUpperCase() as MeasureReport['measure'],
      objectiveMs: scorecard.objectives[`${key}Ms`],
      measuredMs: scorecard[`${key}Ms`],
      bounds: bounds && { lowMs: bounds.low, highMs: bounds.high },
      met: final ? scorecard.met[key] : null,
    };
  });
}

const RECOVERY_REPORT = /^recovery reported by (.+)$/;

function participantsOf(events: readonly RunEvent[], scorecard: Scorecard): DrillReport['participants'] {
  const created = findEvent(events, 'run-created')!;
  const detected = scorecard.detectedBy && findEvents(events, 'detected').find((event) => event.at === scorecard.timeline.detectedAt);
  const followUps = events.filter((event) => event.type === 'learning-added' || event.type === 'action-added' || event.type === 'action-done');
  return {
    startedBy: participant(created.requestedBy, created.requester),
    approvedBy: distinct(findEvents(events, 'approved').map((event) => participant(event.by, event.identity))),
    detectedBy: scorecard.detectedBy && { source: scorecard.detectedBy.source, name: scorecard.detectedBy.name, identity: identityText(detected?.identity) },
    recoveryRunbook: findEvent(events, 'recovery-started')?.runbook ?? null,
    recoveryReportedBy: distinct(
      findEvents(events, 'measured').flatMap((event) => {
        const name = RECOVERY_REPORT.exec(event.name)?.[1];
        return name === undefined ? [] : [participant(name, undefined)];
      }),
    ),
    abortedBy: distinct(findEvents(events, 'abort-requested').map((event) => participant(event.by, event.identity))),
    followUpsBy: distinct(followUps.map((event) => participant(event.by, event.identity))),
  };
}

function participant(name: string, identity: Identity | undefined): Participant {
  return { name, identity: identityText(identity) };
}

function identityText(identity: Identity | undefined): string | null {
  return identity ? `${identity.realm}:${identity.id}` : null;
}

function distinct(participants: Participant[]): Participant[] {
  const seen = new Set<string>();
  return participants.filter((person) => {
    const key = `${person.name}\u0000${person.identity ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
