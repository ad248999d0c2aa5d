import { formatDuration } from '../catalogue/duration.js';
import type { RunSummary } from '../engine/ports.js';
import { countedDetection } from '../engine/detection.js';
import { elapsedMs, findEvent, unresolvedAttention, type RunEvent } from '../engine/events.js';
import { describeEvent } from './describe-event.js';
import { offsetText } from './render-text.js';
import { hideProbeProcesses } from './routine-processes.js';

export type StatusTone = 'info' | 'good' | 'warning' | 'bad';

/** Events that add nothing a person following the run needs to read. */
const QUIET = new Set<RunEvent['type']>(['rpo-baseline', 'scored']);

/**
 * Where a run stands, from its journal alone: the same words on the terminal
 * (`firedrill status`), in chat and on the web.
 */
export function runStatus(events: readonly RunEvent[]): { status: string; tone: StatusTone } {
  const last = events.at(-1);
  const injected = findEvent(events, 'injected');
  const at = (event: RunEvent) => (injected ? `${offsetText(elapsedMs(injected, event))}` : event.at.slice(11, 19));
  const scored = findEvent(events, 'scored');
  if (scored) return { status: `scored: ${scored.outcome}`, tone: scored.outcome === 'pass' ? 'good' : 'bad' };
  const attention = unresolvedAttention(events);
  if (attention) return { status: `NEEDS ATTENTION, the fault may still be in effect: ${attention}`, tone: 'bad' };
  const refused = findEvent(events, 'refused');
  if (refused) return { status: `refused: ${refused.reason}`, tone: 'bad' };
  const rollback = findEvent(events, 'rollback-started');
  if (rollback) return { status: `undoing the fault: ${rollback.reason}`, tone: 'warning' };
  const verified = findEvent(events, 'verified');
  if (verified) return { status: `verified at ${at(verified)}: ${verified.ok ? 'data checks passed' : 'data checks FAILED'}`, tone: verified.ok ? 'good' : 'bad' };
  const recovered = findEvent(events, 'recovered');
  if (recovered) return { status: `recovered at ${at(recovered)}; verifying the data`, tone: 'good' };
  const detected = injected && countedDetection(events);
  if (detected) {
    return { status: `detected at ${at(detected)} by ${detected.by.name}; waiting for recovery`, tone: 'warning' };
  }
  if (injected) return { status: `fault in effect since ${injected.at.slice(11, 19)} UTC; waiting for detection`, tone: 'bad' };
  if (findEvent(events, 'approval-requested') && !findEvent(events, 'approved')) {
    return { status: 'waiting for a second person to approve', tone: 'warning' };
  }
  return { status: last ? 'preflight: checking the target and the steady state' : 'starting', tone: 'info' };
}

/** The journal as lines: wall-clock time before the injection, t0-relative after, so a line never changes once shown. */
export function journalLines(events: readonly RunEvent[]): string[] {
  const injected = findEvent(events, 'injected');
  return events
    .filter((event) => !QUIET.has(event.type))
    .filter(hideProbeProcesses())
    .map((event) => `${stamp(event, injected)}  ${describeEvent(event)}`);
}

function stamp(event: RunEvent, injected: RunEvent | undefined): string {
  return injected && event.seq >= injected.seq ? offsetText(elapsedMs(injected, event)).padStart(8) : event.at.slice(11, 19).padStart(8);
}

/** One active run in one line, for `status` lists: id, drill, how long so far, where it stands. */
export function activeRunLine(run: RunSummary, events: readonly RunEvent[], nowMs: number): string {
  return `${run.id.slice(0, 8)}  ${run.drill} in ${run.environment}, ${formatDuration(nowMs - Date.parse(run.createdAt))} so far: ${runStatus(events).status}`;
}
