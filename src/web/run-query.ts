import type { RunFilter, RunResult } from '../history/ports.js';
import { RUN_RESULTS } from '../history/run-result.js';

/** What /runs, /runs.csv and /runs.json read from their query string. */
export interface RunQuery {
  filter: RunFilter;
  page: number;
}

export type ParsedRunQuery = { ok: true; query: RunQuery } | { ok: false; problem: string };

const MAX_TEXT = 200;
const MAX_PAGE = 1_000_000;
const DAY_MS = 86_400_000;

/**
 * Filters as the form sends them: empty fields mean "any". `from` and `to` take a date
 * (YYYY-MM-DD, UTC; `to` includes its whole day) or an ISO instant. A value that means nothing
 * is refused with what to send instead, rather than ignored.
 */
export function parseRunQuery(params: URLSearchParams): ParsedRunQuery {
  const filter: RunFilter = {};
  for (const [field, key] of [['env', 'environment'], ['drill', 'drill'], ['kind', 'kind']] as const) {
    const value = params.get(field)?.trim();
    if (!value) continue;
    if (value.length > MAX_TEXT) return { ok: false, problem: `${field} is longer than ${MAX_TEXT} characters` };
    filter[key] = value;
  }
  const outcome = params.get('outcome')?.trim();
  if (outcome) {
    if (!RUN_RESULTS.includes(outcome as RunResult)) {
      return { ok: false, problem: `outcome "${outcome}" is not one of ${RUN_RESULTS.join(', ')}` };
    }
    filter.result = outcome as RunResult;
  }
  for (const field of ['from', 'to'] as const) {
    const value = params.get(field)?.trim();
    if (!value) continue;
    const instant = parseInstant(value, field === 'to');
    if (!instant) return { ok: false, problem: `${field} "${value}" is not a date: write it as YYYY-MM-DD or an ISO time like 2026-11-30T12:00:00Z` };
    filter[field] = instant;
  }
  if (filter.from && filter.to && filter.from >= filter.to) return { ok: false, problem: 'from must come before to' };
  const pageText = params.get('page')?.trim();
  let page = 1;
  if (pageText) {
    page = Number(pageText);
    if (!/^\d+$/.test(pageText) || page < 1 || page > MAX_PAGE) return { ok: false, problem: `page "${pageText}" is not a page number (1, 2, 3, ...)` };
  }
  return { ok: true, query: { filter, page } };
}

function parseInstant(text: string, endOfDay: boolean): Date | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const day = Date.parse(`${text}T00:00:00Z`);
    if (Number.isNaN(day) || new Date(day).toISOString().slice(0, 10) !== text) return undefined;
    return new Date(endOfDay ? day + DAY_MS : day);
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return undefined;
  const instant = Date.parse(text);
  return Number.isNaN(instant) ? undefined : new Date(instant);
}

/** The query string that asks for the same runs (and `page`, when given), for links. */
export function queryString(params: URLSearchParams, page?: number): string {
  const kept = new URLSearchParams();
  for (const field of ['env', 'drill', 'kind', 'outcome', 'from', 'to']) {
    const value = params.get(field)?.trim();
    if (value) kept.set(field, value);
  }
  if (page !== undefined && page > 1) kept.set('page', String(page));
  const text = kept.toString();
  return text ? `?${text}` : '';
}
