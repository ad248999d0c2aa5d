import type { Notifier } from '../../src/notify/ports.js';
import type { RunNotice } from '../../src/notify/notices.js';
import { sendJson } from './http-delivery.js';
import { incidentDescription, incidentKey, incidentSummary } from './incident-text.js';

export type OpsgeniePriority = 'P1' | 'P2' | 'P3' | 'P4' | 'P5';

export interface OpsgenieOptions {
  /** The alerts endpoint, e.g. https://api.opsgenie.com/v2/alerts. */
  url: string;
  apiKey: () => Promise<string>;
  priority?: OpsgeniePriority;
}

const PRIORITY_OF_DRILL: Record<string, OpsgeniePriority> = { low: 'P4', medium: 'P3', high: 'P2', critical: 'P1' };
/** Opsgenie cuts an alert's message at 130 characters. */
const MAX_MESSAGE = 130;

/**
 * Opens an Opsgenie alert (Alert API v2) when the fault is in effect and closes it, by its
 * alias (the run's), when service is back or the run ends. Tagged and described as a drill.
 */
export function opsgenieNotifier(name: string, options: OpsgenieOptions): Notifier {
  const opened = new Set<string>();
  const base = options.url.replace(/\/+$/, '');
  const authorization = async () => ({ authorization: `GenieKey ${await options.apiKey()}` });
  return {
    name,
    async deliver(notice) {
      if (notice.kind === 'injected') {
        await sendJson(name, 'POST', base, createAlert(notice, options.priority), await authorization());
        opened.add(notice.runId);
        return;
      }
      if ((notice.kind === 'recovered' || notice.kind === 'finished') && opened.has(notice.runId)) {
        const close = `${base}/${encodeURIComponent(incidentKey(notice.runId))}/close?identifierType=alias`;
        await sendJson(name, 'POST', close, { source: 'firedrill', note: notice.text }, await authorization());
        opened.delete(notice.runId);
      }
    },
  };
}

function createAlert(notice: RunNotice, priority: OpsgeniePriority | undefined) {
  return {
    message: incidentSummary(notice).slice(0, MAX_MESSAGE),
    alias: incidentKey(notice.runId),
    description: incidentDescription(notice),
    tags: ['firedrill', 'drill'],
    details: { runId: notice.runId, drill: notice.drill.id, environment: notice.environment, test: 'true' },
    entity: notice.environment,
    source: 'firedrill',
    priority: priority ?? PRIORITY_OF_DRILL[notice.drill.severity] ?? 'P3',
  };
}
