import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { readBody, webhookAuthenticator } from '../../src/server/webhook-auth.js';

/**
 * Local stand-ins for the tools firedrill tells about runs, on one loopback server. Each
 * checks what the real service requires (path, method, headers, required fields and their
 * limits) and answers as the service does; a request that would be refused is refused here
 * too (and recorded in `refused`), so a test sees a format mistake as a failed delivery.
 */
export interface StandIns {
  url: string;
  /** Accepted requests by service, in arrival order. */
  webhook: { event: string; body: Record<string, unknown> }[];
  grafana: { method: string; path: string; body: Record<string, unknown> }[];
  pagerduty: Record<string, unknown>[];
  opsgenie: { path: string; body: Record<string, unknown> }[];
  refused: string[];
  /** Requests to /failing (always 503). */
  failing: number;
  /** While set, webhook answers wait for it: shows that a run does not wait for deliveries. */
  holdWebhook(): () => void;
  stop(): Promise<void>;
}

export const STAND_IN_SECRETS = {
  webhook: 'webhook-signing-secret-1234',
  grafana: 'glsa_grafana_token_123456',
  pagerduty: 'R0UT1NGKEY0123456789abcdefABCDEF', // 32 characters, as PagerDuty's are
  opsgenie: 'opsgenie-api-key-0000-1111',
};

/** Grafana: POST /api/annotations (HTTP API). */
const GrafanaAnnotation = z.strictObject({
  dashboardUID: z.string().optional(),
  panelId: z.number().optional(),
  time: z.number().int().positive(),
  timeEnd: z.number().int().positive().optional(),
  tags: z.array(z.string()),
  text: z.string().min(1),
});
const GrafanaPatch = z.strictObject({ time: z.number().int().optional(), timeEnd: z.number().int().positive().optional(), tags: z.array(z.string()).optional(), text: z.string().optional() });

/** PagerDuty Events API v2: POST /v2/enqueue. */
const PagerDutyEvent = z.discriminatedUnion('event_action', [
  z.strictObject({
    routing_key: z.string().length(32),
    event_action: z.literal('trigger'),
    dedup_key: z.string().max(255).optional(),
    client: z.string().optional(),
    client_url: z.string().optional(),
    payload: z.strictObject({
      summary: z.string().min(1).max(1024),
      source: z.string().min(1),
      severity: z.enum(['critical', 'error', 'warning', 'info']),
      timestamp: z.iso.datetime().optional(),
      component: z.string().optional(),
      group: z.string().optional(),
      class: z.string().optional(),
      custom_details: z.record(z.string(), z.unknown()).optional(),
    }),
  }),
  z.strictObject({ routing_key: z.string().length(32), event_action: z.enum(['acknowledge', 'resolve']), dedup_key: z.string().min(1).max(255) }),
]);

/** Opsgenie Alert API v2: POST /v2/alerts and POST /v2/alerts/:identifier/close. */
const OpsgenieAlert = z.strictObject({
  message: z.string().min(1).max(130),
  alias: z.string().max(512).optional(),
  description: z.string().max(15000).optional(),
  responders: z.array(z.unknown()).optional(),
  visibleTo: z.array(z.unknown()).optional(),
  actions: z.array(z.string()).optional(),
  tags: z.array(z.string()).optional(),
  details: z.record(z.string(), z.string()).optional(),
  entity: z.string().max(512).optional(),
  source: z.string().max(100).optional(),
  priority: z.enum(['P1', 'P2', 'P3', 'P4', 'P5']).optional(),
  user: z.string().optional(),
  note: z.string().optional(),
});
const OpsgenieClose = z.strictObject({ user: z.string().optional(), source: z.string().optional(), note: z.string().max(25000).optional() });

export async function startStandIns(): Promise<StandIns> {
  const authenticate = webhookAuthenticator({ hmacSecret: STAND_IN_SECRETS.webhook });
  let hold: Promise<void> | undefined;
  let annotationIds = 0;
  const state: Omit<StandIns, 'url' | 'holdWebhook' | 'stop'> = { webhook: [], grafana: [], pagerduty: [], opsgenie: [], refused: [], failing: 0 };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const raw = (await readBody(request)) ?? Buffer.alloc(0);
    const json = () => JSON.parse(raw.toString('utf8')) as unknown;
    const send = (status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const refuse = (status: number, why: string) => {
      state.refused.push(`${request.method} ${url.pathname}: ${why}`);
      send(status, { message: why });
    };
    const isJson = request.headers['content-type']?.startsWith('application/json');

    if (url.pathname === '/failing') {
      state.failing += 1;
      return send(503, { message: 'service unavailable' });
    }
    if (url.pathname === '/hooks/firedrill' && request.method === 'POST') {
      await hold;
      const auth = authenticate(request.headers, raw);
      if (!auth.ok) return refuse(401, auth.reason);
      const body = json() as Record<string, unknown>;
      if (request.headers['x-firedrill-event'] !== body.event) return refuse(400, 'X-Firedrill-Event differs from the body');
      state.webhook.push({ event: String(body.event), body });
      return send(200, { ok: true });
    }
    if (url.pathname.startsWith('/grafana/api/annotations')) {
      if (request.headers.authorization !== `Bearer ${STAND_IN_SECRETS.grafana}`) return refuse(401, 'Unauthorized');
      if (!isJson) return refuse(400, 'bad request data');
      if (request.method === 'POST' && url.pathname === '/grafana/api/annotations') {
        const parsed = GrafanaAnnotation.safeParse(json());
        if (!parsed.success) return refuse(400, `bad request data: ${parsed.error.message}`);
        state.grafana.push({ method: 'POST', path: url.pathname, body: parsed.data });
        return send(200, { message: 'Annotation added', id: ++annotationIds });
      }
      const patch = /^\/grafana\/api\/annotations\/(\d+)$/.exec(url.pathname);
      if (request.method === 'PATCH' && patch && Number(patch[1]) <= annotationIds) {
        const parsed = GrafanaPatch.safeParse(json());
        if (!parsed.success) return refuse(400, `bad request data: ${parsed.error.message}`);
        state.grafana.push({ method: 'PATCH', path: url.pathname, body: parsed.data });
        return send(200, { message: 'Annotation patched' });
      }
      return refuse(404, 'Not found');
    }
    if (url.pathname === '/pagerduty/v2/enqueue' && request.method === 'POST') {
      const parsed = PagerDutyEvent.safeParse(json());
      if (!parsed.success) return refuse(400, `Event object is invalid: ${parsed.error.message}`);
      if (parsed.data.routing_key !== STAND_IN_SECRETS.pagerduty) return refuse(400, 'Invalid routing key');
      state.pagerduty.push(parsed.data);
      return send(202, { status: 'success', message: 'Event processed', dedup_key: parsed.data.dedup_key ?? 'generated' });
    }
    if (url.pathname.startsWith('/opsgenie/v2/alerts') && request.method === 'POST') {
      if (request.headers.authorization !== `GenieKey ${STAND_IN_SECRETS.opsgenie}`) return refuse(401, 'Could not authenticate');
      if (!isJson) return refuse(400, 'Content-Type must be application/json');
      const close = /^\/opsgenie\/v2\/alerts\/([^/]+)\/close$/.exec(url.pathname);
      const parsed = close ? OpsgenieClose.safeParse(json()) : url.pathname === '/opsgenie/v2/alerts' ? OpsgenieAlert.safeParse(json()) : undefined;
      if (!parsed) return refuse(404, 'Not found');
      if (!parsed.success) return refuse(422, `Request body is not processable: ${parsed.error.message}`);
      if (close && url.searchParams.get('identifierType') !== 'alias') return refuse(404, 'Alert does not exist (identifierType must be alias to close by alias)');
      state.opsgenie.push({ path: `${url.pathname}${url.search}`, body: parsed.data as Record<string, unknown> });
      return send(202, { result: 'Request will be processed', took: 0.01, requestId: `req-${state.opsgenie.length}` });
    }
    return refuse(404, 'Not found');
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      state.refused.push(`${request.method} ${request.url}: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) response.writeHead(400).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    holdWebhook() {
      let release!: () => void;
      hold = new Promise<void>((resolve) => (release = resolve));
      return () => {
        hold = undefined;
        release();
      };
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  });
}
