import type { Notifier } from '../../src/notify/ports.js';
import type { RunNotice } from '../../src/notify/notices.js';
import { sendJson } from './http-delivery.js';
import { incidentDescription, incidentKey, incidentSummary } from './incident-text.js';

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

export interface PagerDutyOptions {
  /** The Events API v2 endpoint. */
  url: string;
  routingKey: () => Promise<string>;
  /** Fixed, or from the drill's severity when undefined. */
  severity?: PagerDutySeverity;
}

const SEVERITY_OF_DRILL: Record<string, PagerDutySeverity> = { low: 'info', medium: 'warning', high: 'error', critical: 'critical' };

/**
 * Opens a PagerDuty alert (Events API v2) when the fault is in effect and resolves it when
 * service is back or the run ends, so the drill goes down the team's real paging path. The
 * dedup key is the run's, so a resolve needs no memory of the trigger. Marked as a drill in
 * its summary and its custom details (`test: true`).
 */
export function pagerDutyNotifier(name: string, options: PagerDutyOptions): Notifier {
  const triggered = new Set<string>();
  return {
    name,
    async deliver(notice) {
      if (notice.kind === 'injected') {
        await sendJson(name, 'POST', options.url, triggerEvent(await options.routingKey(), notice, options.severity));
        triggered.add(notice.runId);
        return;
      }
      if ((notice.kind === 'recovered' || notice.kind === 'finished') && triggered.has(notice.runId)) {
        await sendJson(name, 'POST', options.url, { routing_key: await options.routingKey(), event_action: 'resolve', dedup_key: incidentKey(notice.runId) });
        triggered.delete(notice.runId);
      }
    },
  };
}

function triggerEvent(routingKey: string, notice: RunNotice, severity: PagerDutySeverity | undefined) {
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: incidentKey(notice.runId),
    client: 'firedrill',
    payload: {
      summary: incidentSummary(notice).slice(0, 1024),
      source: `firedrill/${notice.environment}`,
      severity: severity ?? SEVERITY_OF_DRILL[notice.drill.severity] ?? 'info',
      timestamp: notice.at,
      component: notice.drill.id,
      group: notice.environment,
      class: 'firedrill drill',
      custom_details: { runId: notice.runId, drill: notice.drill.id, title: notice.drill.title, environment: notice.environment, requestedBy: notice.requestedBy, test: true, note: incidentDescription(notice) },
    },
  };
}
