import { findEvent, findEvents, type Identity, type Outcome, type RunEvent } from '../engine/events.js';
import { followUpsOf, type ActionItem, type Learning } from '../followups/follow-ups.js';
import { scoreRun } from '../scoring/score-run.js';
import type { Scorecard, TimelineEntry } from '../scoring/scorecard-schema.js';
import { AUDIT_CONTROLS, type AuditControl } from './audit-controls.js';
import { evidenceOf, type Evidence } from './report-evidence.js';

export { renderReportMarkdown } from './render-report-markdown.js';

/** Names this format; a reader of an older or newer report sees which it has. */
export const REPORT_FORMAT = 'firedrill-drill-report/1';

/** A person as the journal records them: the label shown, and who really acted where known (`realm:id`). */
export interface Participant {
  name: string;
  identity: string | null;
}

export interface MeasureReport {
  measure: 'TTD' | 'RTO' | 'RPO';
  objectiveMs: number | null;
  measuredMs: number | null;
  /** Where the truth lies (see DESIGN.md, Timing); null where unmeasured or unbracketed. */
  bounds: { lowMs: number; highMs: number } | null;
  /** Graded on the late side of the bounds; null without an objective or before scoring. */
  met: boolean | null;
}

export interface ReportedAction extends ActionItem {
  /** As of the report's date: done, open, or open past its due date. */
  state: 'done' | 'open' | 'overdue';
}

/**
 * A drill run as an auditor files it: what was tested, who took part, what was measured against
 * which objective, the evidence from the journal, and the follow-ups to closure. JSON-able; its
 * canonical JSON (canonical-json.ts) is the signed record, the Markdown is for reading.
 */
export interface DrillReport {
  format: typeof REPORT_FORMAT;
  generatedAt: string;
  controls: AuditControl[];
  run: {
    id: string;
    state: 'running' | 'finished';
    outcome: Outcome | null;
    /** Why it was refused, aborted or failed. */
    reason: string | null;
    startedAt: string;
    injectedAt: string | null;
    detectedAt: string | null;
    recoveredAt: string | null;
    verifiedAt: string | null;
    scoredAt: string | null;
  };
  scenario: {
    drill: string;
    title: string;
    environment: string;
    kind: string;
    severity: string;
    description: string | null;
    recovery: string;
  };
  participants: {
    startedBy: Participant;
    approvedBy: Participant[];
    /** The alert or person whose detection counted; null when nobody detected it. */
    detectedBy: { source: string; name: string; identity: string | null } | null;
    /** The automated runbook, where recovery was automated. */
    recoveryRunbook: string | null;
    /** People who said service was back (the probes decide the moment). */
    recoveryReportedBy: Participant[];
    abortedBy: Participant[];
    /** Who added learnings, action items, or marked them done. */
    followUpsBy: Participant[];
  };
  objectives: MeasureReport[];
  timeline: TimelineEntry[];
  evidence: Evidence;
  notes: string[];
  learnings: Learning[];
  actions: ReportedAction[];
}

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
