import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Outcome } from '../../src/engine/events.js';
import type { Scorecard } from '../../src/scoring/scorecard-schema.js';

/** A finished (or, with `outcome: null`, running) run as a test wants it in the store. */
export interface SeedRun {
  id?: string;
  drill: string;
  environment: string;
  title?: string;
  kind?: string;
  severity?: string;
  requestedBy?: string;
  createdAt: Date;
  outcome: Outcome | null;
  /** Whether the fault was in effect and seen: false/false for refused runs. */
  injected?: boolean;
  detected?: boolean;
  ttdMs?: number | null;
  rtoMs?: number | null;
  rpoMs?: number | null;
  bounds?: Scorecard['bounds'];
  objectives?: Scorecard['objectives'];
  met?: Scorecard['met'];
}

/** A scorecard that the schema accepts, with the figures given and the rest as a real run has them. */
export function seedScorecard(run: SeedRun & { id: string }): Scorecard {
  const injected = run.injected ?? run.outcome !== 'refused';
  const detected = injected && (run.detected ?? true);
  const t0 = run.createdAt.getTime() + 5_000;
  const at = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(t0 + ms).toISOString());
  const ttdMs = detected ? (run.ttdMs ?? 30_000) : null;
  const rtoMs = injected ? (run.rtoMs ?? 240_000) : null;
  return {
    runId: run.id,
    drill: { id: run.drill, title: run.title ?? `Drill ${run.drill}`, kind: run.kind ?? 'command', severity: run.severity ?? 'high' },
    environment: run.environment,
    requestedBy: run.requestedBy ?? 'alice',
    outcome: run.outcome ?? 'aborted',
    reason: run.outcome === 'pass' ? null : `the run ended ${run.outcome}`,
    timeline: { injectedAt: injected ? at(0) : null, detectedAt: at(ttdMs), recoveredAt: at(rtoMs), verifiedAt: rtoMs === null ? null : at(rtoMs + 3_000) },
    ttdMs,
    rtoMs,
    rpoMs: injected ? (run.rpoMs ?? null) : null,
    bounds: run.bounds ?? { ttdMs: null, rtoMs: rtoMs === null ? null : { low: rtoMs - 1_000, high: rtoMs }, rpoMs: null },
    objectives: run.objectives ?? { ttdMs: 60_000, rtoMs: 300_000, rpoMs: null },
    met: run.met ?? (injected ? { ttd: ttdMs !== null && ttdMs <= 60_000, rto: rtoMs !== null && rtoMs <= 300_000, rpo: null } : { ttd: null, rto: null, rpo: null }),
    detectedBy: detected ? { source: 'alertmanager', name: 'ShopDown' } : null,
    recovery: { mode: 'manual', runbook: null, runbookOk: null },
    rpo: null,
    verification: [],
    measurements: [],
    notes: [],
    events: [],
  };
}

/** Inserts runs as the store keeps them after finish() (one statement), and returns their ids in order. */
export async function insertRuns(client: pg.ClientBase | pg.Pool, runs: readonly SeedRun[]): Promise<string[]> {
  const rows = runs.map((run) => {
    const id = run.id ?? randomUUID();
    return {
      id,
      drill: run.drill,
      environment: run.environment,
      created_at: run.createdAt.toISOString(),
      finished_at: run.outcome === null ? null : new Date(run.createdAt.getTime() + 600_000).toISOString(),
      outcome: run.outcome,
      scorecard: run.outcome === null ? null : seedScorecard({ ...run, id }),
    };
  });
  await client.query(
    `insert into firedrill_runs (id, drill, environment, created_at, finished_at, outcome, scorecard)
     select id, drill, environment, created_at, finished_at, outcome, scorecard
       from jsonb_to_recordset($1::jsonb) as r(id uuid, drill text, environment text, created_at timestamptz,
            finished_at timestamptz, outcome text, scorecard jsonb)`,
    [JSON.stringify(rows)],
  );
  return rows.map((row) => row.id);
}

export const BULK_ENVIRONMENTS = ['staging', 'staging-eu', 'perf'] as const;
export const BULK_DRILLS = [
  { id: 'drop-orders-table', title: 'The orders table is dropped', kind: 'drop-table', severity: 'critical', rpo: true },
  { id: 'lose-a-node', title: 'A worker node is lost', kind: 'lose-node', severity: 'high', rpo: false },
  { id: 'delete-shop-cluster', title: 'The shop cluster is deleted', kind: 'delete-cluster', severity: 'critical', rpo: true },
  { id: 'key-holder-gone', title: 'A key-holder is unavailable', kind: 'key-holder-unavailable', severity: 'medium', rpo: false },
  { id: 'bad-feature-flag', title: 'A bad feature flag takes the shop down', kind: 'command', severity: 'low', rpo: false },
  { id: 'drop-payments-table', title: 'The payments table is dropped', kind: 'drop-table', severity: 'high', rpo: true },
  { id: 'dns-outage', title: 'Internal DNS stops answering', kind: 'command', severity: 'high', rpo: false },
  { id: 'lose-db-node', title: 'The database node is lost', kind: 'lose-node', severity: 'critical', rpo: true },
] as const;

/**
 * `count` finished runs with realistic scorecards in one statement (generate_series): spread
 * evenly over the `spanDays` before `now`, across BULK_ENVIRONMENTS × BULK_DRILLS, with about
 * 70% passed, 12% failed, 6% not detected, 7% aborted and 5% refused. Deterministic.
 */
export async function bulkLoadRuns(client: pg.ClientBase | pg.Pool, count: number, now: Date, spanDays = 730): Promise<void> {
  const drills = JSON.stringify(BULK_DRILLS);
  await client.query(
    `insert into firedrill_runs (id, drill, environment, created_at, finished_at, outcome, scorecard)
     select id, d->>'id', env, created, created + make_interval(secs => (rto + 60000) / 1000.0), outcome,
       jsonb_build_object(
         'runId', id, 'drill', jsonb_build_object('id', d->>'id', 'title', d->>'title', 'kind', d->>'kind', 'severity', d->>'severity'),
         'environment', env, 'requestedBy', (array['alice', 'bob', 'carol', 'schedule:weekly'])[1 + i % 4],
         'outcome', outcome, 'reason', case when outcome = 'pass' then null else 'the run did not pass' end,
         'timeline', jsonb_build_object(
           'injectedAt', case when injected then to_char(created at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') end,
           'detectedAt', case when detected then to_char((created + make_interval(secs => ttd / 1000.0)) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') end,
           'recoveredAt', case when injected then to_char((created + make_interval(secs => rto / 1000.0)) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') end,
           'verifiedAt', case when injected then to_char((created + make_interval(secs => (rto + 3000) / 1000.0)) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') end),
         'ttdMs', case when detected then ttd end, 'rtoMs', case when injected then rto end,
         'rpoMs', case when injected and (d->>'rpo')::boolean then rpo end,
         'bounds', jsonb_build_object(
           'ttdMs', case when detected then jsonb_build_object('low', ttd - 500, 'high', ttd) end,
           'rtoMs', case when injected then jsonb_build_object('low', rto - 2000, 'high', rto) end,
           'rpoMs', null),
         'objectives', jsonb_build_object('ttdMs', 120000, 'rtoMs', 900000, 'rpoMs', case when (d->>'rpo')::boolean then 300000 end),
         'met', jsonb_build_object(
           'ttd', case when injected then detected and ttd <= 120000 end,
           'rto', case when injected then rto <= 900000 and outcome <> 'aborted' end,
           'rpo', case when injected and (d->>'rpo')::boolean then rpo <= 300000 end),
         'detectedBy', case when detected then jsonb_build_object('source', 'alertmanager', 'name', 'ShopDown') end,
         'recovery', jsonb_build_object('mode', 'manual', 'runbook', null, 'runbookOk', null),
         'rpo', null, 'verification', '[]'::jsonb, 'measurements', '[]'::jsonb, 'notes', '[]'::jsonb, 'events', '[]'::jsonb)
     from (
       select i, id, env, d, created, outcome, injected,
              injected and not (outcome = 'fail' and roll >= 82 and roll < 88) as detected,
              (15000 + (i::bigint * 7919) % 180000)::int as ttd, (60000 + (i::bigint * 104729) % 1200000)::int as rto, ((i::bigint * 15485863) % 400000)::int as rpo
         from (
           select i, md5('run' || i)::uuid as id,
                  ($2::text[])[1 + i % array_length($2::text[], 1)] as env,
                  ($3::jsonb)->(((i / array_length($2::text[], 1)) % jsonb_array_length($3::jsonb))::int) as d,
                  $4::timestamptz - make_interval(secs => (i::float8 * $5 * 86400 / $1)) as created,
                  (i * 37) % 100 as roll
             from generate_series(1, $1) as i
         ) base
         cross join lateral (select case when roll < 70 then 'pass' when roll < 88 then 'fail' when roll < 95 then 'aborted' else 'refused' end as outcome) o
         cross join lateral (select o.outcome <> 'refused' as injected) j
     ) runs`,
    [count, [...BULK_ENVIRONMENTS], drills, now.toISOString(), spanDays],
  );
}
