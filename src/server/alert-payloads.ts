import * as z from 'zod';

export type AlertSource = 'alertmanager' | 'grafana' | 'generic';

export interface IncomingAlert {
  source: AlertSource;
  name: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  startsAt: Date | undefined;
}

const Labels = z.record(z.string(), z.string());

/** One alert as Alertmanager and Grafana send it (Grafana's webhook reuses Alertmanager's shape). */
const Alert = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: Labels,
  startsAt: z.string().optional(),
});

const AlertmanagerPayload = z.looseObject({ version: z.string().optional(), alerts: z.array(Alert) });

const GenericAlert = z.looseObject({
  name: z.string().min(1),
  status: z.enum(['firing', 'resolved']).default('firing'),
  labels: Labels.default({}),
  startsAt: z.string().optional(),
});
const GenericBatch = z.looseObject({ alerts: z.array(GenericAlert) });

export type ParseResult = { ok: true; alerts: IncomingAlert[] } | { ok: false; error: string };

export function parseAlerts(source: AlertSource, body: unknown): ParseResult {
  if (source === 'generic') {
    const isBatch = typeof body === 'object' && body !== null && 'alerts' in body;
    const parsed = isBatch ? GenericBatch.safeParse(body) : GenericAlert.transform((alert) => ({ alerts: [alert] })).safeParse(body);
    if (!parsed.success) return { ok: false, error: firstIssue(parsed.error) };
    const alerts = parsed.data.alerts;
    return {
      ok: true,
      alerts: alerts.map((alert) => ({
        source,
        name: alert.name,
        status: alert.status,
        labels: { alertname: alert.name, ...alert.labels },
        startsAt: toDate(alert.startsAt),
      })),
    };
  }
  const parsed = AlertmanagerPayload.safeParse(body);
  if (!parsed.success) return { ok: false, error: firstIssue(parsed.error) };
  return {
    ok: true,
    alerts: parsed.data.alerts.map((alert) => ({
      source,
      name: alert.labels.alertname ?? 'unnamed alert',
      status: alert.status,
      labels: alert.labels,
      startsAt: toDate(alert.startsAt),
    })),
  };
}

/** Alertmanager sends `0001-01-01T00:00:00Z` for "unknown". */
function toDate(text: string | undefined): Date | undefined {
  if (!text) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1970 ? undefined : date;
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid payload';
}
