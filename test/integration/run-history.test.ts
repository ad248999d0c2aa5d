import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../adapters/postgres/migrations.js';
import { postgresRunHistory } from '../../adapters/postgres/run-history.js';
import { openPostgresStores } from '../../adapters/postgres/run-store.js';
import type { Outcome } from '../../src/engine/events.js';
import type { RunStore } from '../../src/engine/ports.js';
import type { RunHistory, RunRecord, RunTrends } from '../../src/history/ports.js';
import { runResult } from '../../src/history/run-result.js';
import { scorecardSchema } from '../../src/scoring/scorecard-schema.js';
import { bulkLoadRuns, insertRuns, seedScorecard, type SeedRun } from '../support/run-history-seed.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

let postgres: TestPostgres;
let pool: pg.Pool;
let store: RunStore;
let history: RunHistory & RunTrends;

const DAY = 86_400_000;
/** A Wednesday: its week starts on Monday 2026-11-02. */
const NOW = new Date('2026-11-04T12:00:00.000Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY);

beforeAll(async () => {
  postgres = await startTestPostgres();
  await postgres.createDatabase('history');
  const opened = await openPostgresStores(postgres.url('history'));
  store = opened.runs;
  history = opened.history;
  pool = new pg.Pool({ connectionString: postgres.url('history'), max: 2 });
});

afterAll(async () => {
  await pool?.end();
  await store?.close();
  await postgres?.stop();
});

const run = (fields: Partial<SeedRun> & { drill: string; createdAt: Date; outcome: Outcome | null }): SeedRun => ({ environment: 'staging', ...fields });

describe('the run result', () => {
  it('is the same in SQL (the stored result column) as in the core, for every kind of scorecard', async () => {
    const cases: SeedRun[] = [];
    for (const outcome of ['pass', 'fail', 'aborted', 'refused'] as const) {
      for (const injected of [true, false]) {
        for (const detected of [true, false]) cases.push(run({ environment: 'result-check', drill: `${outcome}-${injected}-${detected}`, createdAt: daysAgo(1), outcome, injected, detected }));
      }
    }
    cases.push(run({ environment: 'result-check', drill: 'running', createdAt: daysAgo(1), outcome: null }));
    const ids = await insertRuns(pool, cases);
    // A run finished without a scorecard (stopped before it could be scored).
    const bare = await store.createFinishedRun({ drill: 'bare', environment: 'result-check' });
    await store.finish(bare, 'aborted', null);

    const stored = await pool.query<{ id: string; result: string | null }>("select id, result from firedrill_runs where environment = 'result-check'");
    const byId = new Map(stored.rows.map((row) => [row.id, row.result]));
    const results = new Set<string | null>();
    cases.forEach((seed, index) => {
      const id = ids[index]!;
      const scorecard = seed.outcome === null ? null : seedScorecard({ ...seed, id });
      const expected = runResult({ outcome: seed.outcome, timeline: scorecard?.timeline ?? null });
      results.add(expected);
      expect(byId.get(id), seed.drill).toBe(expected);
    });
    expect(byId.get(bare)).toBe(runResult({ outcome: 'aborted', timeline: null }));
    // Every result, and "still going", was among the cases.
    expect(results).toEqual(new Set(['passed', 'failed', 'aborted', 'refused', 'not-detected', null]));
  });
});

describe('the PostgreSQL run history', () => {
  let ids: string[];
  beforeAll(async () => {
    ids = await insertRuns(pool, [
      run({ environment: 'hist', drill: 'drop-orders', kind: 'drop-table', createdAt: daysAgo(1), outcome: 'pass', ttdMs: 20_000, rtoMs: 100_000 }),
      run({ environment: 'hist', drill: 'drop-orders', kind: 'drop-table', createdAt: daysAgo(2), outcome: 'fail', rtoMs: 400_000 }),
      run({ environment: 'hist', drill: 'drop-orders', kind: 'drop-table', createdAt: daysAgo(9), outcome: 'pass' }),
      run({ environment: 'hist', drill: 'drop-orders', kind: 'drop-table', createdAt: daysAgo(10), outcome: 'refused' }),
      run({ environment: 'hist', drill: 'lose-node', kind: 'lose-node', createdAt: daysAgo(3), outcome: 'fail', detected: false }),
      run({ environment: 'hist', drill: 'lose-node', kind: 'lose-node', createdAt: daysAgo(16), outcome: 'aborted' }),
      run({ environment: 'hist', drill: 'lose-node', kind: 'lose-node', createdAt: daysAgo(0.5), outcome: null }),
      run({ environment: 'hist-eu', drill: 'drop-orders', kind: 'drop-table', createdAt: daysAgo(4), outcome: 'pass' }),
    ]);
  });

  it('lists newest first, filtered by environment, drill, kind, result and time, with the total', async () => {
    const all = await history.runs({ environment: 'hist' }, { page: 1, pageSize: 50 });
    expect(all.total).toBe(7);
    expect(all.runs.map((r) => r.id)).toEqual([ids[6], ids[0], ids[1], ids[4], ids[2], ids[3], ids[5]]);
    const newest = all.runs[1]!;
    expect(newest).toMatchObject({ drill: 'drop-orders', kind: 'drop-table', title: 'Drill drop-orders', result: 'passed', outcome: 'pass', ttdMs: 20_000, rtoMs: 100_000, requestedBy: 'alice' });
    expect(newest.bounds.rtoMs).toEqual({ low: 99_000, high: 100_000 });
    expect(newest.objectives).toEqual({ ttdMs: 60_000, rtoMs: 300_000, rpoMs: null });
    expect(newest.met).toEqual({ ttd: true, rto: true, rpo: null });
    expect(all.runs[0]).toMatchObject({ result: null, kind: null, finishedAt: null });

    const ids_ = async (filter: Parameters<RunHistory['runs']>[0]) => (await history.runs(filter, { page: 1, pageSize: 50 })).runs.map((r) => r.id);
    expect(await ids_({ drill: 'drop-orders' })).toEqual([ids[0], ids[1], ids[7], ids[2], ids[3]]);
    expect(await ids_({ environment: 'hist', kind: 'lose-node' })).toEqual([ids[4], ids[5]]);
    expect(await ids_({ environment: 'hist', result: 'not-detected' })).toEqual([ids[4]]);
    expect(await ids_({ environment: 'hist', result: 'refused' })).toEqual([ids[3]]);
    expect(await ids_({ environment: 'hist', from: daysAgo(3.5), to: daysAgo(1.5) })).toEqual([ids[1], ids[4]]);
    expect(await ids_({ environment: 'nowhere' })).toEqual([]);
  });

  it('pages through a list, with the total on every page', async () => {
    const pages = [];
    for (let page = 1; page <= 3; page++) pages.push(await history.runs({ environment: 'hist' }, { page, pageSize: 3 }));
    expect(pages.map((p) => p.runs.length)).toEqual([3, 3, 1]);
    expect(pages.every((p) => p.total === 7 && p.pageSize === 3)).toBe(true);
    expect(pages.flatMap((p) => p.runs.map((r) => r.id))).toEqual((await history.runs({ environment: 'hist' }, { page: 1, pageSize: 10 })).runs.map((r) => r.id));
    expect((await history.runs({ environment: 'hist' }, { page: 9, pageSize: 3 })).runs).toEqual([]);
  });

  it('puts each drill-week in the worst result of its finished runs, weeks starting on Monday (UTC)', async () => {
    const cells = await history.weeks({ environment: 'hist', from: daysAgo(28), to: NOW });
    expect(cells).toEqual([
      { environment: 'hist', drill: 'drop-orders', weekStart: '2026-10-19', result: 'refused', runs: 1 },
      { environment: 'hist', drill: 'drop-orders', weekStart: '2026-10-26', result: 'passed', runs: 1 },
      { environment: 'hist', drill: 'drop-orders', weekStart: '2026-11-02', result: 'failed', runs: 2 },
      { environment: 'hist', drill: 'lose-node', weekStart: '2026-10-19', result: 'aborted', runs: 1 },
      { environment: 'hist', drill: 'lose-node', weekStart: '2026-10-26', result: 'not-detected', runs: 1 },
    ]);
    expect(await history.weeks({ environment: 'hist', from: daysAgo(2.2), to: daysAgo(1.5) })).toEqual([
      { environment: 'hist', drill: 'drop-orders', weekStart: '2026-11-02', result: 'failed', runs: 1 },
    ]);
  });

  it('answers whole weeks from its tallies as it counts them from the runs, and keeps the tallies through changes', async () => {
    const monday = new Date('2026-10-19T00:00:00.000Z');
    const nextMonday = new Date('2026-11-09T00:00:00.000Z');
    const tallied = await history.weeks({ environment: 'hist', from: monday, to: nextMonday });
    const counted = await history.weeks({ environment: 'hist', from: new Date(monday.getTime() + 1), to: nextMonday });
    expect(tallied).toEqual(counted);
    expect(tallied).toHaveLength(5);

    const [changing] = await insertRuns(pool, [run({ environment: 'tally', drill: 'x', createdAt: daysAgo(1), outcome: 'pass' })]);
    const [other] = await insertRuns(pool, [run({ environment: 'tally', drill: 'x', createdAt: daysAgo(1.1), outcome: 'pass' })]);
    const standing = async () => (await history.standings({ environment: 'tally' }))[0];
    expect(await standing()).toMatchObject({ finishedRuns: 2, passedRuns: 2, lastPassedAt: daysAgo(1).toISOString() });
    // Scored again (a failed scorecard replaces a passed one): the tallies follow, the last pass is the other run.
    await store.finish(changing!, 'fail', seedScorecard({ id: changing!, environment: 'tally', drill: 'x', createdAt: daysAgo(1), outcome: 'fail' }));
    expect(await standing()).toMatchObject({ finishedRuns: 2, passedRuns: 1, lastPassedAt: daysAgo(1.1).toISOString() });
    expect((await history.weeks({ environment: 'tally', from: new Date('2026-11-02T00:00:00Z'), to: nextMonday }))[0]).toMatchObject({ result: 'failed', runs: 2 });
    await pool.query('delete from firedrill_runs where id = $1', [other]);
    expect(await standing()).toMatchObject({ finishedRuns: 1, passedRuns: 0, lastPassedAt: null });
  });

  it('says where each drill stands: its newest finished run, counts and last pass, also as of an earlier instant', async () => {
    const standings = await history.standings({ environment: 'hist' });
    expect(standings.map((s) => [s.drill, s.last?.id, s.finishedRuns, s.passedRuns])).toEqual([
      ['drop-orders', ids[0], 4, 2],
      ['lose-node', ids[4], 2, 0],
    ]);
    expect(standings[0]!.lastPassedAt).toBe(daysAgo(1).toISOString());
    expect(standings[1]!.lastPassedAt).toBeNull();
    const before = await history.standings({ environment: 'hist', asOf: daysAgo(5) });
    expect(before.map((s) => [s.drill, s.last?.id, s.finishedRuns, s.passedRuns])).toEqual([
      ['drop-orders', ids[2], 2, 1],
      ['lose-node', ids[5], 1, 0],
    ]);
    expect((await history.standings({})).some((s) => s.environment === 'hist-eu')).toBe(true);
  });

  it('gives the trend of a drill: its newest finished runs, oldest first, one drill or several at once', async () => {
    expect((await history.trend('hist', 'drop-orders', 2)).map((r) => r.id)).toEqual([ids[1], ids[0]]);
    expect((await history.trend('hist', 'lose-node', 10)).map((r) => r.id)).toEqual([ids[5], ids[4]]);
    const trends = await history.trends([{ environment: 'hist', drill: 'lose-node' }, { environment: 'hist-eu', drill: 'drop-orders' }, { environment: 'hist', drill: 'none' }], 10);
    expect(trends.map((trend) => trend.map((r) => r.id))).toEqual([[ids[5], ids[4]], [ids[7]], []]);
  });

  it('finds the run each drill is judged by at each instant, past refused runs', async () => {
    const [early, middle, late] = await history.countedRunsBefore('hist', [daysAgo(12), daysAgo(8), NOW]);
    expect(early!.map((r) => r.id)).toEqual([ids[5]]);
    // 12 days ago drop-orders had only been refused: no run to judge it by.
    expect(middle!.map((r) => r.id)).toEqual([ids[2], ids[5]]);
    expect(late!.map((r) => r.id)).toEqual([ids[0], ids[4]]);
  });

  it('exports every matching run newest first, across its batches', async () => {
    await pool.query('create database bulk_export');
    const bulkPool = new pg.Pool({ connectionString: postgres.url('bulk_export'), max: 2 });
    try {
      await migrate(bulkPool);
      await bulkLoadRuns(bulkPool, 4_500, NOW);
      const bulk = postgresRunHistory(bulkPool);
      const exported: RunRecord[] = [];
      for await (const record of bulk.exportRuns({})) exported.push(record);
      expect(exported).toHaveLength(4_500);
      expect(new Set(exported.map((r) => r.id)).size).toBe(4_500);
      const order = exported.map((r) => r.createdAt);
      expect(order).toEqual([...order].sort().reverse());
      const filtered: RunRecord[] = [];
      for await (const record of bulk.exportRuns({ environment: 'perf', result: 'passed' })) filtered.push(record);
      const { total } = await bulk.runs({ environment: 'perf', result: 'passed' }, { page: 1, pageSize: 1 });
      expect(filtered).toHaveLength(total);
      expect(filtered.every((r) => r.environment === 'perf' && r.result === 'passed')).toBe(true);
      // The bulk loader's scorecards are real ones: the schema reads them, and the core derives the stored result.
      const sample = await bulkPool.query<{ scorecard: unknown; outcome: Outcome; result: string }>('select scorecard, outcome, result from firedrill_runs order by id limit 300');
      for (const row of sample.rows) {
        const scorecard = scorecardSchema().parse(row.scorecard);
        expect(runResult({ outcome: row.outcome, timeline: scorecard.timeline })).toBe(row.result);
      }
      expect(new Set(sample.rows.map((row) => row.result))).toEqual(new Set(['passed', 'failed', 'aborted', 'refused', 'not-detected']));
    } finally {
      await bulkPool.end();
    }
  });
});

describe('the run-id prefix lookup', () => {
  it('finds runs by the start of their id, with or without dashes, and nothing for what cannot start an id', async () => {
    const [a, b] = await insertRuns(pool, [
      run({ id: '3f2a1b2c-1111-4aaa-8aaa-000000000001', environment: 'prefix', drill: 'x', createdAt: daysAgo(1), outcome: 'pass' }),
      run({ id: '3f2a1b2c-1112-4aaa-8aaa-000000000002', environment: 'prefix', drill: 'x', createdAt: daysAgo(2), outcome: 'pass' }),
      run({ id: '3f2a1b2d-0000-4aaa-8aaa-000000000003', environment: 'prefix', drill: 'x', createdAt: daysAgo(3), outcome: 'pass' }),
    ]);
    expect((await store.findByPrefix('3f2a1b2c')).map((r) => r.id)).toEqual([a, b]);
    expect((await store.findByPrefix('3F2A1B2C-1111')).map((r) => r.id)).toEqual([a]);
    expect((await store.findByPrefix('3f2a1b2c1112')).map((r) => r.id)).toEqual([b]);
    expect(await store.findByPrefix('3f2a1b2c-1111-4aaa-8aaa-000000000001')).toHaveLength(1);
    expect(await store.findByPrefix('3f2a%')).toEqual([]);
    expect(await store.findByPrefix('xyz')).toEqual([]);
    expect(await store.findByPrefix('3f2a1b2c-1111-4aaa-8aaa-0000000000011')).toEqual([]);
  });
});

describe('migration 4', () => {
  it("fills the new columns of runs stored before it", async () => {
    await pool.query('create database before_history');
    const oldPool = new pg.Pool({ connectionString: postgres.url('before_history'), max: 1 });
    try {
      await migrate(oldPool, 3);
      const [id] = await insertRuns(oldPool, [run({ drill: 'old', kind: 'drop-table', createdAt: daysAgo(40), outcome: 'fail', detected: false, rtoMs: 500_000 })]);
      await migrate(oldPool);
      const [record] = (await postgresRunHistory(oldPool).runs({ drill: 'old' }, { page: 1, pageSize: 1 })).runs;
      expect(record).toMatchObject({ id, kind: 'drop-table', result: 'not-detected', rtoMs: 500_000, ttdMs: null, met: { ttd: false, rto: false, rpo: null } });
      expect(await postgresRunHistory(oldPool).standings({})).toMatchObject([{ drill: 'old', finishedRuns: 1, passedRuns: 0, last: { id } }]);
    } finally {
      await oldPool.end();
    }
  });
});
