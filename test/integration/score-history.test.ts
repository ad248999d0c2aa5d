import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStores } from '../../adapters/postgres/run-store.js';
import { Drill } from '../../src/catalogue/drill-schema.js';
import { Config } from '../../src/config/config-schema.js';
import { buildDigest } from '../../src/digest/digest.js';
import type { RunStore } from '../../src/engine/ports.js';
import type { RunHistory, RunTrends } from '../../src/history/ports.js';
import { environmentScore, scoreTrend } from '../../src/scoring/environment-score.js';
import { runCli } from '../support/cli.js';
import { insertRuns } from '../support/run-history-seed.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

/** The score and the digest read from the real store (PostgreSQL, the SQL of adapters/postgres/run-history.ts). */
let postgres: TestPostgres;
let pool: pg.Pool;
let store: RunStore;
let history: RunHistory & RunTrends;

const DAY = 86_400_000;
const NOW = new Date('2026-11-30T12:00:00.000Z'); // a Monday
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY);

const drill = (id: string, every: string) =>
  Drill.parse({
    id,
    title: `Drill ${id}`,
    kind: 'command',
    severity: 'high',
    objectives: { ttd: '1m', rto: '5m' },
    steadyState: { probes: [{ type: 'command', run: 'true' }] },
    recovery: { mode: 'manual' },
    maxDuration: '10m',
    target: { inject: 'true', undo: 'true' },
    every,
  });

const catalogue = {
  configPath: 'firedrill.yaml',
  config: Config.parse({ environments: { staging: {} } }),
  drills: new Map([drill('a', '30d'), drill('b', '30d'), drill('c', '7d')].map((d) => [d.id, { drill: d, file: `${d.id}.yaml` }])),
};

beforeAll(async () => {
  postgres = await startTestPostgres();
  await postgres.createDatabase('score');
  const opened = await openPostgresStores(postgres.url('score'));
  store = opened.runs;
  history = opened.history;
  pool = new pg.Pool({ connectionString: postgres.url('score'), max: 2 });
  await insertRuns(pool, [
    // a: passed, then refused (tested nothing): judged by the pass.
    { drill: 'a', environment: 'staging', createdAt: daysAgo(10), outcome: 'pass' },
    { drill: 'a', environment: 'staging', createdAt: daysAgo(1), outcome: 'refused' },
    // b: failed, meeting its TTD and missing its RTO twice over; a run of it is still going.
    { drill: 'b', environment: 'staging', createdAt: daysAgo(3), outcome: 'fail', rtoMs: 600_000, met: { ttd: true, rto: false, rpo: null } },
    { drill: 'b', environment: 'staging', createdAt: new Date(NOW.getTime() - 3_600_000), outcome: null },
    // c: passed 20 days ago, expected every 7: its credit has faded to nothing.
    { drill: 'c', environment: 'staging', createdAt: daysAgo(20), outcome: 'pass' },
    // Another environment's pass does not count here.
    { drill: 'c', environment: 'qa', createdAt: daysAgo(1), outcome: 'pass' },
  ]);
});

afterAll(async () => {
  await pool?.end();
  await store?.close();
  await postgres?.stop();
});

describe('the resilience score from the store', () => {
  it('judges each drill by its counted run: refused and running runs never count', async () => {
    const score = await environmentScore(history, catalogue, 'staging', NOW);
    expect(score.drills.map((d) => [d.drill, d.lastResult, d.credit, d.freshness, d.overdue])).toEqual([
      ['a', 'passed', 1, 1, false],
      ['b', 'failed', 0.25, 1, false],
      ['c', 'passed', 1, 0, true],
    ]);
    // (4 + 1 + 0) of 12
    expect(score.score).toBe(42);
  });

  it('gives its trend week by week, from the runs finished by each week start', async () => {
    const points = await scoreTrend(history, catalogue, 'staging', NOW, 4);
    expect(points.map((point) => [point.at.slice(0, 10), point.score])).toEqual([
      ['2026-11-09', 0], // nothing had run yet
      ['2026-11-16', 33], // c passed 5½ days before: within its 7
      ['2026-11-23', 41], // a passed; c 5.49 days overdue: (4 + 4 × (1 − 5.49/7)) of 12
      ['2026-11-30', 42], // b failed; c faded out
      ['2026-11-30', 42], // now
    ]);
  });

  it('makes the weekly digest of the same runs', async () => {
    const digest = await buildDigest({ history, catalogue }, { to: NOW });
    const [staging] = digest.environments;
    expect(staging).toMatchObject({
      environment: 'staging',
      counts: { run: 1, passed: 0, failed: 1, notDetected: 0, aborted: 0, refused: 1 },
      previousCounts: { run: 1, passed: 1, failed: 0, notDetected: 0, aborted: 0, refused: 0 },
      score: 42,
      scoreAtStart: 38,
    });
    expect(staging!.overdue.map((d) => d.drill)).toEqual(['c']);
    expect(digest.worstMiss).toMatchObject({ drill: 'b', measure: 'RTO', measuredMs: 600_000, objectiveMs: 300_000 });
  });

  it('is printed by firedrill digest, for the period asked', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'firedrill-digest-cli-'));
    try {
      const config = path.join(dir, 'firedrill.yaml');
      await writeFile(config, 'environments:\n  staging: {}\n  qa: {}\nserver:\n  publicUrl: https://firedrill.example.org/\n');
      const env = { DATABASE_URL: postgres.url('score') };
      const since = daysAgo(30).toISOString();
      const json = await runCli(['digest', '--config', config, '--env', 'staging', '--since', since, '--json'], { env });
      expect(json.stderr).toBe('');
      const digest = JSON.parse(json.stdout) as { from: string; environments: { environment: string; counts: unknown }[]; overviewUrl: string };
      expect(digest.from).toBe(since);
      expect(digest.environments.map((e) => [e.environment, e.counts])).toEqual([['staging', { run: 3, passed: 2, failed: 1, notDetected: 0, aborted: 0, refused: 1 }]]);
      expect(digest.overviewUrl).toBe('https://firedrill.example.org/');

      const text = await runCli(['digest', '--config', config, '--since', since], { env });
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/^Fire drill digest, \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}\n4 drill run\(s\): 3 passed, 1 failed, 0 not detected \(1 refused\)/);
      expect(text.stdout).toContain('Worst objective miss: RTO of Drill b in staging: 10m (2.0× its objective), objective 5m');

      const unknown = await runCli(['digest', '--config', config, '--env', 'stagin'], { env });
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toContain('unknown environment "stagin"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
