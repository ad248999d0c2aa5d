import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkHealth, healthcheckUrl } from '../../../src/healthcheck.js';

let server: Server | undefined;

afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

async function serving(status: number, answer = true): Promise<string> {
  server = createServer((request, response) => {
    if (!answer) return; // never answers: the check must give up on its own
    response.writeHead(request.url === '/healthz' ? status : 404).end('{}');
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
}

describe('the container health check', () => {
  it('passes when /healthz answers 200', async () => {
    expect(await checkHealth(await serving(200))).toBe(0);
  });

  it('fails when /healthz answers 503 (the store is down)', async () => {
    expect(await checkHealth(await serving(503))).toBe(1);
  });

  it('fails when nothing listens', async () => {
    const url = await serving(200);
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    expect(await checkHealth(url)).toBe(1);
  });

  it('fails when the server does not answer within the timeout', async () => {
    expect(await checkHealth(await serving(200, false), 200)).toBe(1);
  });

  it('asks the port serve listens on: $PORT, else 8080, unless a URL is given', () => {
    expect(healthcheckUrl({})).toBe('http://127.0.0.1:8080/healthz');
    expect(healthcheckUrl({ PORT: '9090' })).toBe('http://127.0.0.1:9090/healthz');
    expect(healthcheckUrl({ PORT: '9090', FIREDRILL_HEALTHCHECK_URL: 'http://[::1]:1/healthz' })).toBe('http://[::1]:1/healthz');
  });
});
