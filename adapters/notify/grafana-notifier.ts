import * as z from 'zod';
import type { RunNotice } from '../../src/notify/notices.js';
import type { Notifier } from '../../src/notify/ports.js';
import { sendJson } from './http-delivery.js';

export interface GrafanaOptions {
  /** Grafana's base URL. */
  url: string;
  token: () => Promise<string>;
  dashboardUid?: string;
  tags: readonly string[];
}

const Created = z.object({ id: z.number() });

/**
 * Marks the fault on the team's dashboards: a region annotation (Grafana's HTTP API) that
 * starts when the fault is in effect and ends when service is back, or when the run ends
 * without that (aborted, timed out). The annotation's id is kept in memory from one to the other.
 */
export function grafanaNotifier(name: string, options: GrafanaOptions): Notifier {
  const open = new Map<string, number>();
  const base = options.url.endsWith('/') ? options.url : `${options.url}/`;
  const authorization = async () => ({ authorization: `Bearer ${await options.token()}` });
  return {
    name,
    async deliver(notice) {
      if (notice.kind === 'injected') {
        const answer = await sendJson(name, 'POST', new URL('api/annotations', base).href, annotation(notice, options), await authorization());
        const created = Created.safeParse(answer);
        if (!created.success) throw new Error(`${name} did not answer with the annotation's id`);
        open.set(notice.runId, created.data.id);
        return;
      }
      if (notice.kind !== 'recovered' && notice.kind !== 'finished') return;
      const id = open.get(notice.runId);
      if (id === undefined) return;
      await sendJson(name, 'PATCH', new URL(`api/annotations/${id}`, base).href, { timeEnd: Date.parse(notice.at) }, await authorization());
      open.delete(notice.runId);
    },
  };
}

function annotation(notice: RunNotice, options: GrafanaOptions) {
  return {
    ...(options.dashboardUid ? { dashboardUID: options.dashboardUid } : {}),
    time: Date.parse(notice.at),
    tags: [...options.tags, notice.drill.id, notice.environment],
    text: `firedrill drill: ${notice.drill.title} (${notice.drill.id}) in ${notice.environment}, run ${notice.runId}`,
  };
}
