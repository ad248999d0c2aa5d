import type { RunNotice } from '../../src/notify/notices.js';

/** Every incident firedrill opens says, first thing, that it is a drill. */
export const DRILL_MARK = '[firedrill drill]';

export function incidentSummary(notice: RunNotice): string {
  return `${DRILL_MARK} ${notice.drill.title} in ${notice.environment}`;
}

export function incidentDescription(notice: RunNotice): string {
  return [
    `This is a fire drill, not a real outage: firedrill injected "${notice.drill.title}" (${notice.drill.id}) into ${notice.environment}.`,
    'Respond as you would to the real thing; the drill times detection and recovery.',
    `Run ${notice.runId}, requested by ${notice.requestedBy}.`,
  ].join('\n');
}

/** The incident a run opens, the same in every tool, so resolving finds it even from another process. */
export function incidentKey(runId: string): string {
  return `firedrill-${runId}`;
}
