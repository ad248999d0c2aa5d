import type { Outcome } from '../engine/events.js';
import type { ActionItem, Learning } from '../followups/follow-ups.js';
import type { TimelineEntry } from '../scoring/scorecard-schema.js';
import type { AuditControl } from './audit-controls.js';
import type { Evidence } from './report-evidence.js';

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
