import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from '../log.js';
import { parseAlerts, type AlertSource } from './alert-payloads.js';
import { takeAlerts, type AlertIntakeDeps } from './alert-intake.js';

export interface HttpServerOptions {
  host: string;
  port: number;
  /** Bearer token alert webhooks must present; without one the hooks answer 503. */
  alertToken: string | undefined;
  intake: AlertIntakeDeps;
  log: Logger;
}

export interface RunningHttpServer {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
const HOOKS: Record<string, AlertSource> = {
  '/hooks/alertmanager': 'alertmanager',
  '/hooks/grafana': 'grafana',
  '/hooks/generic': 'generic',
};

/** Health, Prometheus metrics and the alert webhooks that carry the team's detection. */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'firedrill_' });
  const alertsReceived = new Counter({
    name: 'firedrill_alert_webhooks_total',
    help: 'Alert webhook requests, by source and result',
    labelNames: ['source', 'result'],
    registers: [registry],
  });

  const server: Server = createServer((request, response) => {
    void route(request, response).catch((error: unknown) => {
      options.log.error({ err: error, path: request.url }, 'request failed');
      if (!response.headersSent) send(response, 500, { error: 'internal error, see the firedrill log' });
    });
  });

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method === 'GET' && path === '/healthz') return send(response, 200, { status: 'ok' });
    if (request.method === 'GET' && path === '/metrics') {
      response.writeHead(200, { 'content-type': registry.contentType });
      response.end(await registry.metrics());
      return;
    }
    const source = HOOKS[path];
    if (!source) return send(response, 404, { error: `no route for ${request.method} ${path}` });
    if (request.method !== 'POST') return send(response, 405, { error: 'alert webhooks take POST' });

    if (!options.alertToken) {
      alertsReceived.inc({ source, result: 'disabled' });
      return send(response, 503, { error: 'alert webhooks are off: set server.alertToken in the firedrill config' });
    }
    if (!bearerMatches(request.headers.authorization, options.alertToken)) {
      alertsReceived.inc({ source, result: 'unauthorized' });
      options.log.warn({ source, remote: request.socket.remoteAddress }, 'alert webhook rejected: bad or missing bearer token');
      response.setHeader('www-authenticate', 'Bearer');
      return send(response, 401, { error: 'send the alert token as "Authorization: Bearer <token>"' });
    }
    const body = await readJson(request);
    if (!body.ok) {
      alertsReceived.inc({ source, result: 'malformed' });
      return send(response, body.status, { error: body.error });
    }
    const parsed = parseAlerts(source, body.value);
    if (!parsed.ok) {
      alertsReceived.inc({ source, result: 'malformed' });
      return send(response, 400, { error: `not a valid ${source} webhook payload: ${parsed.error}` });
    }
    const result = await takeAlerts(parsed.alerts, options.intake);
    alertsReceived.inc({ source, result: 'accepted' });
    options.log.info({ source, alerts: parsed.alerts.length, ...result }, 'alert webhook taken');
    send(response, 202, { received: parsed.alerts.length, ...result });
  }

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

function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = Buffer.from(/^Bearer\s+(.+)$/i.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

async function readJson(
  request: IncomingMessage,
): Promise<{ ok: true; value: unknown } | { ok: false; status: number; error: string }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return { ok: false, status: 413, error: 'the body is larger than 1 MiB' };
    chunks.push(chunk as Buffer);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { ok: false, status: 400, error: 'the body is not JSON' };
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
