import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Probe as ProbeSpec } from '../../../src/catalogue/drill-schema.js';
import { prometheusProbe, type PrometheusCheck } from '../../../src/probes/prometheus-probe.js';

/** A stand-in for the query API: answers with `answer`, records what it was asked. */
let server: Server;
let base: string;
let answer: { status: number; body: string } = { status: 200, body: '' };
const asked: { path: string; headers: IncomingHttpHeaders }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    asked.push({ path: request.url ?? '', headers: request.headers });
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const vector = (...values: string[]) =>
  JSON.stringify({ status: 'success', data: { resultType: 'vector', result: values.map((value, index) => ({ metric: { __name__: 'up', job: 'shop', instance: `i${index}` }, value: [1700000000.1, value] })) } });

function check(overrides: Partial<PrometheusCheck> = {}) {
  return prometheusProbe('shop', { url: base, query: 'up{job="shop"}', expect: 'nonEmpty', ...overrides }, 2_000).check();
}

describe('the prometheus probe', () => {
  it('asks the instant query API with the query and a timeout, and sends the bearer token', async () => {
    answer = { status: 200, body: vector('1') };
    asked.length = 0;
    await prometheusProbe('shop', { url: `${base}/prometheus`, query: 'up{job="shop"} == 1', expect: 'nonEmpty', token: async () => 's3cret' }, 5_000).check();

    const url = new URL(asked[0]!.path, base);
    expect(url.pathname).toBe('/prometheus/api/v1/query');
    expect(url.searchParams.get('query')).toBe('up{job="shop"} == 1');
    expect(url.searchParams.get('timeout')).toBe('5s');
    expect(asked[0]!.headers.authorization).toBe('Bearer s3cret');
  });

  it('is green when every sample is within the bounds, and names the first one outside', async () => {
    answer = { status: 200, body: vector('1', '1') };
    expect(await check({ min: 1 })).toEqual({ ok: true, detail: '2 series: up{instance="i0",job="shop"} = 1, up{instance="i1",job="shop"} = 1' });
    answer = { status: 200, body: vector('1', '0.5') };
    expect(await check({ min: 1 })).toEqual({ ok: false, detail: 'up{instance="i1",job="shop"} = 0.5 is below min 1' });
    expect(await check({ max: 0.8 })).toEqual({ ok: false, detail: 'up{instance="i0",job="shop"} = 1 is above max 0.8' });
    expect(await check({ equals: 1 })).toEqual({ ok: false, detail: 'up{instance="i1",job="shop"} = 0.5 is not 1' });
    answer = { status: 200, body: vector('NaN') };
    expect(await check({ max: 1 })).toEqual({ ok: false, detail: 'up{instance="i0",job="shop"} = NaN is not a number' });
  });

  it('is red on an empty result, unless expect is empty', async () => {
    answer = { status: 200, body: vector() };
    expect(await check()).toEqual({ ok: false, detail: 'no series: the query returned an empty result' });
    expect(await check({ expect: 'empty' })).toEqual({ ok: true, detail: 'no series' });
    answer = { status: 200, body: vector('1') };
    expect(await check({ expect: 'empty' })).toEqual({ ok: false, detail: '1 series: up{instance="i0",job="shop"} = 1' });
  });

  it('takes a scalar as one sample, and explains a range result', async () => {
    answer = { status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [1, '0.02'] } }) };
    expect(await check({ max: 0.1 })).toEqual({ ok: true, detail: '1 series: scalar = 0.02' });
    answer = { status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }) };
    expect((await check()).detail).toMatch(/^the query returns a matrix; write an instant vector or scalar query/);
  });

  it('is red, saying why, when Prometheus refuses, the URL is not Prometheus, or the token is missing', async () => {
    answer = { status: 400, body: JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error: unexpected end of input' }) };
    expect(await check()).toEqual({ ok: false, detail: 'Prometheus refused the query (bad_data): parse error: unexpected end of input' });
    answer = { status: 200, body: '<html>Grafana</html>' };
    expect((await check()).detail).toMatch(/^HTTP 200 from Prometheus, not a query API answer: check the probe's url/);
    const missing = await check({ token: () => Promise.reject(new Error('environment variable PROM_TOKEN is not set')) });
    expect(missing).toEqual({ ok: false, detail: 'environment variable PROM_TOKEN is not set' });
  });

  it('is red when Prometheus does not answer', async () => {
    expect((await prometheusProbe('shop', { url: 'http://127.0.0.1:1', query: 'up', expect: 'nonEmpty' }, 1_000).check()).ok).toBe(false);
  });
});

describe('the prometheus probe in a drill file', () => {
  it('defaults to expect: nonEmpty and refuses bounds with expect: empty', () => {
    expect(ProbeSpec.parse({ type: 'prometheus', url: 'http://prometheus:9090', query: 'up == 1' })).toMatchObject({ expect: 'nonEmpty' });
    const bounded = ProbeSpec.safeParse({ type: 'prometheus', url: 'http://prometheus:9090', query: 'ALERTS', expect: 'empty', max: 1 });
    expect(bounded.success).toBe(false);
    expect(bounded.error?.issues[0]?.message).toMatch(/^min, max and equals bound the samples of a non-empty result/);
    expect(ProbeSpec.safeParse({ type: 'prometheus', url: 'http://prometheus:9090', query: 'up', token: 'inline' }).success).toBe(false);
  });
});
