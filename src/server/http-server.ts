import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';
import { parseAlerts, type AlertSource } from './alert-payloads.js';
import { takeAlerts, type AlertIntakeDeps } from './alert-intake.js';
import { arrivalNow } from '../engine/arrival.js';
import { declaredTooLarge, MAX_BODY_BYTES, readBody, webhookAuthenticator, webhooksEnabled } from './webhook-auth.js';
import type { ScheduleStore } from '../schedule/ports.js';
import * as z from 'zod';
import { ownValue } from '../catalogue/own.js';
import { reportInternalError } from '../errors.js';
import type { FiredrillMetrics } from './metrics/firedrill-metrics.js';

export interface HttpServerOptions {
  host: string;
  port: number;
  /** Webhooks need the bearer token or an HMAC signature; with neither they answer 503. */
  alertToken: string | undefined;
  alertHmacSecret?: string;
  /** The incident switch that schedules' blackouts read. */
  incidents?: Pick<ScheduleStore, 'openIncident' | 'closeIncident'>;
  intake: AlertIntakeDeps;
  log: Logger;
  /** For webhook signatures' timestamps; tests pass their own. */
  now?: () => number;
  /** How long a client may take to send its headers (default 10 s). */
  headersTimeoutMs?: number;
  /** Whether this replica leads (replicas of `serve` on one store elect one); /healthz reports it. */
  leads?: () => boolean;
  /** The armoured public key drill reports are signed with, served at /signing-key.asc. */
  signingKey?: () => Promise<string>;
  /** What /metrics serves (serve shares it with chat and the run store); default: a registry of its own. */
  metrics?: FiredrillMetrics;
  /** More routes by exact path (chat platforms: /slack/events); they read the request themselves. */
  routes?: Record<string, (request: IncomingMessage, response: ServerResponse) => void>;
  /** The managers' pages (src/web/pages-router.ts): resolves true when it answered the request. */
  pages?: (request: IncomingMessage, response: ServerResponse, path: string) => Promise<boolean>;
}

export interface RunningHttpServer {
  url: string;
  close(): Promise<void>;
}

const HOOKS: Record<string, AlertSource | 'incident'> = {
  '/hooks/alertmanager': 'alertmanager',
  '/hooks/grafana': 'grafana',
  '/hooks/generic': 'generic',
  '/hooks/incident': 'incident',
};

/** A health check answers quickly; a store slower than this is as good as down. */
const HEALTH_STORE_TIMEOUT_MS = 2_000;

const IncidentRequest = z.strictObject({
  action: z.enum(['open', 'close']),
  reason: z.string().default('opened through /hooks/incident'),
  by: z.string().default('webhook'),
});

/**
 * The metrics (and prom-client with them), loaded when a server starts rather than with this
 * module, so that `serve` can load them while its store starts (serve-preload.ts).
 */
export const loadMetricsLibrary = () => import('./metrics/firedrill-metrics.js');

/** Health, Prometheus metrics and the alert webhooks that carry the team's detection. */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const { registry, webhooks: hooksReceived } = options.metrics ?? (await loadMetricsLibrary()).createMetrics();

  const secrets = { token: options.alertToken, hmacSecret: options.alertHmacSecret };
  const authenticate = webhookAuthenticator(secrets, options.now);
  // Expired requests are looked for every second, so a slow client is cut close to its timeout.
  const server: Server = createServer({ connectionsCheckingInterval: 1_000 }, (request, response) => {
    void route(request, response).catch((error: unknown) => {
      const reference = reportInternalError(options.log, error, { path: request.url });
      const hook = hookOf(request);
      if (hook) hooksReceived.inc({ hook, result: 'error' });
      if (!response.headersSent) send(response, 500, { error: `internal error (reference ${reference}), see the firedrill log` });
    });
  });

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // When the request's head arrived: an alert is timed from then, not from after its body, its check and the store.
    const arrival = arrivalNow(options.intake.clock);
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    // Alive is all a liveness probe may ask: a store outage is ridden out, and a restart would not end it.
    if (request.method === 'GET' && path === '/livez') return send(response, 200, { status: 'alive' });
    if (request.method === 'GET' && path === '/healthz') return health(response);
    if (request.method === 'GET' && path === '/readyz') return ready(response);
    if (request.method === 'GET' && path === '/metrics') {
      response.writeHead(200, { 'content-type': registry.contentType });
      response.end(await registry.metrics());
      return;
    }
    if (request.method === 'GET' && path === '/signing-key.asc' && options.signingKey) {
      response.writeHead(200, { 'content-type': 'application/pgp-keys' });
      response.end(await options.signingKey());
      return;
    }
    // Before any route reads a byte: nobody, authenticated or not, makes the server hold a large body.
    if (declaredTooLarge(request)) return refuseBody(request, response, 413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
    const mounted = ownValue(options.routes, path);
    if (mounted) {
      // Slack always says how long its bodies are; a body of unknown length would be read whole by Bolt.
      if (request.method === 'POST' && request.headers['content-length'] === undefined) {
        return refuseBody(request, response, 411, 'send a Content-Length header');
      }
      return mounted(request, response);
    }
    if (options.pages && (await options.pages(request, response, path))) return;
    const hook = ownValue(HOOKS, path);
    if (!hook) return send(response, 404, { error: `no route for ${request.method} ${path}` });
    if (request.method !== 'POST') return send(response, 405, { error: 'webhooks take POST' });
    if (!webhooksEnabled(secrets)) {
      hooksReceived.inc({ hook, result: 'disabled' });
      return send(response, 503, { error: 'webhooks are off: set server.alertToken or server.alertHmacSecret in the firedrill config' });
    }
    const raw = await readBody(request);
    if (!raw) return send(response, 413, { error: `the body is larger than ${MAX_BODY_BYTES} bytes` });
    const authentication = authenticate(request.headers, raw);
    if (!authentication.ok) {
      hooksReceived.inc({ hook, result: 'unauthorized' });
      options.log.warn({ hook, remote: request.socket.remoteAddress, reason: authentication.reason }, 'webhook rejected: not authenticated');
      if (secrets.token) response.setHeader('www-authenticate', 'Bearer');
      return send(response, 401, { error: authentication.reason });
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      hooksReceived.inc({ hook, result: 'malformed' });
      return send(response, 400, { error: 'the body is not JSON' });
    }
    if (hook === 'incident') return incidentHook(body, response);
    const parsed = parseAlerts(hook, body);
    if (!parsed.ok) {
      hooksReceived.inc({ hook, result: 'malformed' });
      return send(response, 400, { error: `not a valid ${hook} webhook payload: ${parsed.error}` });
    }
    const result = await takeAlerts(parsed.alerts, options.intake, arrival);
    hooksReceived.inc({ hook, result: 'accepted' });
    options.log.info({ hook, alerts: parsed.alerts.length, ...result }, 'alert webhook taken');
    send(response, 202, { received: parsed.alerts.length, ...result });
  }

  /** Healthy means able to journal: a bot whose store is down would answer every webhook with 500. */
  async function health(response: ServerResponse): Promise<void> {
    const leader = options.leads?.() ?? true;
    const unreachable = await storeProblem();
    if (unreachable) return send(response, 503, { status: 'unavailable', leader, store: 'unreachable', reason: unreachable });
    send(response, 200, { status: 'ok', leader, store: 'reachable' });
  }

  /** Ready to take traffic (webhooks, chat) when the store answers, whether this replica leads or not. */
  async function ready(response: ServerResponse): Promise<void> {
    const unreachable = await storeProblem();
    if (unreachable) return send(response, 503, { ready: false, reason: unreachable });
    send(response, 200, { ready: true });
  }

  async function storeProblem(): Promise<string | undefined> {
    try {
      await options.intake.store.ping(HEALTH_STORE_TIMEOUT_MS);
      return undefined;
    } catch (error) {
      return `the run store does not answer: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  async function incidentHook(body: unknown, response: ServerResponse): Promise<void> {
    const parsed = IncidentRequest.safeParse(body);
    if (!parsed.success || !options.incidents) {
      hooksReceived.inc({ hook: 'incident', result: 'malformed' });
      return send(response, 400, { error: options.incidents ? 'send {"action": "open" | "close", "reason": "...", "by": "..."}' : 'incidents are not kept by this server' });
    }
    const { action, reason, by } = parsed.data;
    if (action === 'open') await options.incidents.openIncident(by, reason);
    else await options.incidents.closeIncident();
    hooksReceived.inc({ hook: 'incident', result: 'accepted' });
    options.log.info({ action, by }, 'incident switch');
    send(response, 200, { incident: action === 'open' ? 'open' : 'closed' });
  }

  // Slow clients are cut: headers within 10 s, the whole request within 30 s, idle keep-alive after 5 s.
  server.headersTimeout = options.headersTimeoutMs ?? 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function hookOf(request: IncomingMessage): AlertSource | 'incident' | undefined {
  try {
    return ownValue(HOOKS, new URL(request.url ?? '/', 'http://localhost').pathname);
  } catch {
    return undefined;
  }
}

/** Answers at once, then reads and discards the body, so the client reads the answer instead of a reset. */
function refuseBody(request: IncomingMessage, response: ServerResponse, status: number, error: string): void {
  response.setHeader('connection', 'close');
  send(response, status, { error });
  request.resume();
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
