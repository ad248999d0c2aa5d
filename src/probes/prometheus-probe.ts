import * as z from 'zod';
import type { Probe, ProbeResult } from '../engine/ports.js';

/** What a `prometheus` probe checks, from the drill file (the token already resolved). */
export interface PrometheusCheck {
  /** The server's base URL (a path prefix such as `/prometheus/` is kept). */
  url: string;
  query: string;
  /** `nonEmpty`: green when the query returns at least one sample; `empty`: green when it returns none (a firing-alerts query). */
  expect: 'nonEmpty' | 'empty';
  /** Bounds every sample value must satisfy (with `expect: nonEmpty`). */
  min?: number;
  max?: number;
  equals?: number;
  /** Sent as `Authorization: Bearer <token>`; read when the probe checks, so a missing secret is a red probe that says so. */
  token?: () => Promise<string>;
}

const Sample = z.tuple([z.number(), z.string()]);
const QueryResponse = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.discriminatedUnion('resultType', [
      z.object({ resultType: z.literal('vector'), result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: Sample })) }),
      z.object({ resultType: z.literal('scalar'), result: Sample }),
      z.object({ resultType: z.literal('matrix'), result: z.array(z.unknown()) }),
      z.object({ resultType: z.literal('string'), result: z.unknown() }),
    ]),
  }),
  z.object({ status: z.literal('error'), errorType: z.string().optional(), error: z.string().optional() }),
]);

interface Series {
  label: string;
  value: number;
}

/**
 * An instant query against the Prometheus HTTP API (`GET /api/v1/query`). A comparison in
 * PromQL filters (`up{job="shop"} == 1` returns only the series that match), so by default
 * the probe is green when the result is not empty and every sample is within the bounds.
 */
export function prometheusProbe(name: string, check: PrometheusCheck, timeoutMs: number): Probe {
  const endpoint = new URL('api/v1/query', check.url.endsWith('/') ? check.url : `${check.url}/`);
  endpoint.searchParams.set('query', check.query);
  // Prometheus stops evaluating at its own timeout: a heavy query answers with an error rather than hanging.
  endpoint.searchParams.set('timeout', `${Math.max(1, Math.floor(timeoutMs / 1000))}s`);
  return {
    name,
    async check() {
      let series: Series[];
      try {
        series = await query(endpoint, check, timeoutMs);
      } catch (error) {
        return { ok: false, detail: error instanceof Error ? error.message : String(error) };
      }
      return judge(series, check);
    },
  };
}

async function query(endpoint: URL, check: PrometheusCheck, timeoutMs: number): Promise<Series[]> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (check.token) headers.authorization = `Bearer ${await check.token()}`;
  const response = await fetch(endpoint, { headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`HTTP ${response.status} from Prometheus, not a query API answer: check the probe's url (the server's base URL, e.g. http://prometheus:9090)`);
  }
  const parsed = QueryResponse.safeParse(body);
  if (!parsed.success) throw new Error(`HTTP ${response.status}: the answer is not a Prometheus query result`);
  if (parsed.data.status === 'error') throw new Error(`Prometheus refused the query (${parsed.data.errorType ?? `HTTP ${response.status}`}): ${parsed.data.error ?? 'no reason given'}`);
  const data = parsed.data.data;
  switch (data.resultType) {
    case 'vector':
      return data.result.map(({ metric, value }) => ({ label: seriesLabel(metric), value: Number(value[1]) }));
    case 'scalar':
      return [{ label: 'scalar', value: Number(data.result[1]) }];
    default:
      throw new Error(`the query returns a ${data.resultType}; write an instant vector or scalar query (no [range] selector outside a function such as rate())`);
  }
}

function judge(series: Series[], check: PrometheusCheck): ProbeResult {
  if (check.expect === 'empty') {
    return series.length === 0 ? { ok: true, detail: 'no series' } : { ok: false, detail: `${count(series)}: ${listed(series)}` };
  }
  if (series.length === 0) return { ok: false, detail: 'no series: the query returned an empty result' };
  const outside = series.map((one) => ({ one, why: outOfBounds(one.value, check) })).find(({ why }) => why !== undefined);
  if (outside) return { ok: false, detail: `${outside.one.label} = ${outside.one.value} ${outside.why}` };
  return { ok: true, detail: `${count(series)}: ${listed(series)}` };
}

function outOfBounds(value: number, check: PrometheusCheck): string | undefined {
  if (Number.isNaN(value)) return 'is not a number';
  if (check.equals !== undefined && value !== check.equals) return `is not ${check.equals}`;
  if (check.min !== undefined && value < check.min) return `is below min ${check.min}`;
  if (check.max !== undefined && value > check.max) return `is above max ${check.max}`;
  return undefined;
}

function seriesLabel(metric: Record<string, string>): string {
  const { __name__: metricName = '', ...labels } = metric;
  const pairs = Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}="${value}"`);
  return pairs.length ? `${metricName}{${pairs.join(',')}}` : metricName || '{}';
}

function count(series: Series[]): string {
  return series.length === 1 ? '1 series' : `${series.length} series`;
}

/** The first few, so a probe over hundreds of series stays one readable line. */
function listed(series: Series[]): string {
  const shown = series.slice(0, 3).map((one) => `${one.label} = ${one.value}`);
  return series.length > 3 ? `${shown.join(', ')}, ...` : shown.join(', ');
}
