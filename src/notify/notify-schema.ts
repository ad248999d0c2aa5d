import * as z from 'zod';
import { Secret as NotifySecret } from '../catalogue/secret-ref.js';

/** What a run tells the team's tools, in the order a run goes through them. */
export const NOTICE_KINDS = ['started', 'injected', 'detected', 'recovered', 'aborted', 'finished'] as const;
export const NoticeKind = z.enum(NOTICE_KINDS);
export type NoticeKind = z.infer<typeof NoticeKind>;

const Common = {
  name: z.string().min(1).optional().describe('How logs name this channel; default: its kind'),
  environments: z.array(z.string().min(1)).min(1).optional().describe('Only runs in these environments; default: all'),
};

/**
 * Where runs are told: a signed webhook, Grafana annotations, a test incident in PagerDuty or
 * Opsgenie. An entry of the config's `notify:` section.
 */
export const NotifyChannel = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('webhook'),
    ...Common,
    url: z.url(),
    secret: NotifySecret.describe('Signs each body: X-Firedrill-Timestamp and X-Firedrill-Signature: v1=<hex HMAC-SHA256 of "v1:<timestamp>:<body>">, the scheme firedrill accepts on its own webhooks'),
    events: z.array(NoticeKind).min(1).optional().describe(`Which run events are sent; default: all (${NOTICE_KINDS.join(', ')})`),
  }),
  z.strictObject({
    kind: z.literal('grafana'),
    ...Common,
    url: z.url().describe("Grafana's base URL, e.g. https://grafana.example.com"),
    token: NotifySecret.describe('A service account token with annotations:write'),
    dashboardUid: z.string().min(1).optional().describe('Pin the annotation to this dashboard; default: an organization annotation, shown where its tags are queried'),
    tags: z.array(z.string().min(1)).default(['firedrill']).describe("Tags of the annotation; the drill's id and the environment are added"),
  }),
  z.strictObject({
    kind: z.literal('pagerduty'),
    ...Common,
    routingKey: NotifySecret.describe("The integration key of an Events API v2 integration on the team's service"),
    url: z.url().default('https://events.pagerduty.com/v2/enqueue'),
    severity: z.enum(['critical', 'error', 'warning', 'info']).optional().describe("Default: from the drill's severity (low info, medium warning, high error, critical critical)"),
  }),
  z.strictObject({
    kind: z.literal('opsgenie'),
    ...Common,
    apiKey: NotifySecret.describe('The API key of an API integration (sent as Authorization: GenieKey <key>)'),
    url: z.url().default('https://api.opsgenie.com/v2/alerts').describe('The alerts endpoint; https://api.eu.opsgenie.com/v2/alerts for the EU instance'),
    priority: z.enum(['P1', 'P2', 'P3', 'P4', 'P5']).optional().describe("Default: from the drill's severity (low P4, medium P3, high P2, critical P1)"),
  }),
]);
export type NotifyChannel = z.infer<typeof NotifyChannel>;
