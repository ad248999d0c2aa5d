import type pg from 'pg';

export interface Monitor {
  stop(): Promise<void>;
}

/**
 * The shop's monitoring: notices that `orders` is gone and sends an Alertmanager webhook,
 * exactly as a Prometheus + Alertmanager setup would page the team.
 */
export function startMonitor(pool: pg.Pool, webhookUrl: string, token: string, everyMs: number): Monitor {
  let firingSince: Date | undefined;
  let busy = false;

  const send = (status: 'firing' | 'resolved', startsAt: Date) =>
    fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        version: '4',
        status,
        receiver: 'firedrill',
        groupKey: '{}:{alertname="OrdersTableMissing"}',
        groupLabels: { alertname: 'OrdersTableMissing' },
        commonLabels: { alertname: 'OrdersTableMissing', severity: 'critical' },
        commonAnnotations: {},
        externalURL: 'http://sandbox-alertmanager.invalid',
        alerts: [
          {
            status,
            labels: { alertname: 'OrdersTableMissing', severity: 'critical', table: 'public.orders' },
            annotations: { summary: 'The orders table is missing' },
            startsAt: startsAt.toISOString(),
            endsAt: status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
            generatorURL: 'http://sandbox-prometheus.invalid/graph',
            fingerprint: 'orders-table-missing',
          },
        ],
      }),
    }).then((response) => response.body?.cancel(), () => undefined);

  const check = async () => {
    if (busy) return;
    busy = true;
    try {
      const result = await pool.query<{ present: boolean }>("select to_regclass('public.orders') is not null as present");
      const present = result.rows[0]?.present ?? false;
      if (!present && !firingSince) {
        firingSince = new Date();
        await send('firing', firingSince);
      } else if (present && firingSince) {
        await send('resolved', firingSince);
        firingSince = undefined;
      }
    } catch {
      // The monitor itself failing is not a signal; it tries again.
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void check(), everyMs);

  return {
    async stop() {
      clearInterval(timer);
      while (busy) await new Promise((resolve) => setTimeout(resolve, 10));
    },
  };
}
