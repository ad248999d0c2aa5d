import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Probe as ProbeSpec } from '../../src/catalogue/drill-schema.js';
import type { Probe, ProbeResult } from '../../src/engine/ports.js';
import { prometheusProbe } from '../../src/probes/prometheus-probe.js';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.js';

/** The shop the team runs: its /metrics says whether it is healthy and counts its requests. */
const registry = new Registry();
const healthy = new Gauge({ name: 'shop_healthy', help: 'Whether the shop serves orders', registers: [registry] });
const requests = new Counter({ name: 'http_requests_total', help: 'Requests served', labelNames: ['code'], registers: [registry] });
let shop: Server;
let prometheus: TestPrometheus;

beforeAll(async () => {
  healthy.set(1);
  requests.inc({ code: '200' }, 0);
  requests.inc({ code: '500' }, 0);
  shop = createServer((request, response) => {
    if (request.url !== '/metrics') return void response.writeHead(404).end();
    void registry.metrics().then((text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text));
  });
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
  prometheus = await startPrometheus([`127.0.0.1:${(shop.address() as AddressInfo).port}`], 'shop');
  await prometheus.waitForSeries('up{job="shop"} == 1');
});

afterAll(async () => {
  await prometheus?.stop();
  shop?.closeAllConnections();
  await new Promise((resolve) => shop?.close(resolve));
});

/** A probe as a drill file writes it, parsed by the drill schema. */
function probe(spec: Record<string, unknown>): Probe {
  const parsed = ProbeSpec.parse({ type: 'prometheus', url: prometheus.url, ...spec });
  if (parsed.type !== 'prometheus') throw new Error('not a prometheus probe');
  return prometheusProbe('shop', { ...parsed, token: undefined }, 5_000);
}

/** Checks until the probe says `ok` (Prometheus sees a change only at its next scrape). */
async function until(check: Probe, ok: boolean, timeoutMs = 20_000): Promise<ProbeResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check.check();
    if (result.ok === ok) return result;
    if (Date.now() > deadline) throw new Error(`probe still ${result.ok ? 'green' : 'red'} after ${timeoutMs / 1000}s: ${result.detail}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('the prometheus probe against a real Prometheus', () => {
  it('is green while a filtering comparison returns series, red when it returns none, and green again', async () => {
    const up = probe({ query: 'shop_healthy{job="shop"} == 1' });
    expect(await up.check()).toMatchObject({ ok: true, detail: expect.stringMatching(/^1 series: shop_healthy\{instance="127\.0\.0\.1:\d+",job="shop"\} = 1$/) });

    healthy.set(0);
    expect(await until(up, false)).toEqual({ ok: false, detail: 'no series: the query returned an empty result' });
    healthy.set(1);
    await until(up, true);
  });

  it('checks every sample against min and max, and a rate against its bound', async () => {
    const atLeastOne = probe({ query: 'shop_healthy{job="shop"}', min: 1 });
    await until(atLeastOne, true);
    healthy.set(0);
    expect((await until(atLeastOne, false)).detail).toMatch(/^shop_healthy\{instance="127\.0\.0\.1:\d+",job="shop"\} = 0 is below min 1$/);
    healthy.set(1);
    await until(atLeastOne, true);

    const errorRate = probe({ query: 'sum(rate(http_requests_total{job="shop",code=~"5.."}[5s]))', max: 0.1 });
    await until(errorRate, true);
    // About 20 errors a second for a few scrapes: the rate goes far above 0.1.
    const failing = setInterval(() => requests.inc({ code: '500' }, 20), 1000);
    try {
      expect((await until(errorRate, false)).detail).toMatch(/^\{\} = [\d.]+ is above max 0\.1$/);
    } finally {
      clearInterval(failing);
    }
  });

  it('with expect: empty, is green while nothing matches and red when something does', async () => {
    const noneDown = probe({ query: 'shop_healthy{job="shop"} == 0', expect: 'empty' });
    await until(noneDown, true);
    healthy.set(0);
    expect((await until(noneDown, false)).detail).toMatch(/^1 series: shop_healthy\{.*\} = 0$/);
    healthy.set(1);
    await until(noneDown, true);
  });

  it('says why Prometheus refused a query', async () => {
    const broken = probe({ query: 'up{job="shop"' });
    const result = await broken.check();
    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(/^Prometheus refused the query \(bad_data\): .*parse error/);
  });

  it('goes red when the target stops answering scrapes (up == 0)', async () => {
    const up = probe({ query: 'up{job="shop"} == 1' });
    const down = probe({ query: 'up{job="shop"}', equals: 0 });
    await until(up, true);
    shop.closeAllConnections();
    await new Promise((resolve) => shop.close(resolve));

    expect((await until(up, false)).detail).toBe('no series: the query returned an empty result');
    await until(down, true);
  });
});
