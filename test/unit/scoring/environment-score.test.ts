import { describe, expect, it } from 'vitest';
import { Config } from '../../../src/config/config-schema.js';
import { Drill } from '../../../src/catalogue/drill-schema.js';
import { environmentScore, scoredDrills, scoreTrend, weekStartsBefore } from '../../../src/scoring/environment-score.js';
import { DAY, historyOf, runRecord } from './history-fixtures.js';

const NOW = new Date('2026-11-30T12:00:00.000Z'); // a Monday

function commandDrill(id: string, extra: Record<string, unknown> = {}): Drill {
  return Drill.parse({
    id,
    title: `Drill ${id}`,
    kind: 'command',
    severity: 'high',
    objectives: { rto: '5m' },
    steadyState: { probes: [{ type: 'command', run: 'true' }] },
    recovery: { mode: 'manual' },
    maxDuration: '10m',
    target: { inject: 'true', undo: 'true' },
    ...extra,
  });
}

function catalogueOf(drills: Drill[], config: Record<string, unknown> = {}) {
  return {
    configPath: 'firedrill.yaml',
    config: Config.parse({ environments: { staging: {}, qa: { drills: ['a'] } }, ...config }),
    drills: new Map(drills.map((drill) => [drill.id, { drill, file: `${drill.id}.yaml` }])),
  };
}

const at = (daysBeforeNow: number) => new Date(NOW.getTime() - daysBeforeNow * DAY).toISOString();

describe('scoredDrills', () => {
  it("takes every from the drill, its override, else scoring.defaultEvery, and only the environment's drills", () => {
    const catalogue = catalogueOf([commandDrill('a', { every: '30d' }), commandDrill('b'), commandDrill('c', { every: '30d' })], {
      scoring: { defaultEvery: '14d' },
      overrides: { c: { every: '7d' } },
    });
    expect(scoredDrills(catalogue, 'staging').map((d) => [d.id, d.everyMs / DAY])).toEqual([
      ['a', 30],
      ['b', 14],
      ['c', 7],
    ]);
    expect(scoredDrills(catalogue, 'qa').map((d) => d.id)).toEqual(['a']);
  });

  it('defaults every to 90 days', () => {
    expect(scoredDrills(catalogueOf([commandDrill('a')]), 'staging')[0]!.everyMs).toBe(90 * DAY);
  });
});

describe('environmentScore', () => {
  it('judges each drill by its counted run (refused runs looked past), a run finished this very millisecond included', async () => {
    const history = historyOf([
      runRecord({ drill: 'a', result: 'passed', finishedAt: at(10) }),
      runRecord({ drill: 'a', result: 'refused', finishedAt: at(1) }),
      runRecord({ drill: 'b', result: 'passed', finishedAt: NOW.toISOString() }),
    ]);
    const score = await environmentScore(history, catalogueOf([commandDrill('a', { every: '30d' }), commandDrill('b')]), 'staging', NOW);
    expect(score.drills.map((d) => [d.drill, d.lastResult])).toEqual([
      ['a', 'passed'],
      ['b', 'passed'],
    ]);
    expect(score.score).toBe(100);
  });

  it('counts a drill refused every time as not run', async () => {
    const history = historyOf([runRecord({ drill: 'a', result: 'refused', finishedAt: at(1) })]);
    const score = await environmentScore(history, catalogueOf([commandDrill('a')]), 'staging', NOW);
    expect(score.drills[0]!.lastResult).toBe('not-run');
    expect(score.score).toBe(0);
  });
});

describe('scoreTrend', () => {
  it('gives the score as of each of the last week starts, then now', async () => {
    const history = historyOf([
      runRecord({ drill: 'a', result: 'failed', finishedAt: at(20), met: { ttd: false, rto: false, rpo: null } }),
      runRecord({ drill: 'a', result: 'passed', finishedAt: at(5) }),
    ]);
    const points = await scoreTrend(history, catalogueOf([commandDrill('a', { every: '30d' })]), 'staging', NOW, 4);
    expect(points.map((point) => point.at)).toEqual([
      '2026-11-09T00:00:00.000Z',
      '2026-11-16T00:00:00.000Z',
      '2026-11-23T00:00:00.000Z',
      '2026-11-30T00:00:00.000Z',
      NOW.toISOString(),
    ]);
    // Nov 9: nothing run yet; Nov 16 and 23: the failed run (met nothing); Nov 30: the pass.
    expect(points.map((point) => point.score)).toEqual([0, 0, 0, 100, 100]);
  });

  it('is null throughout for an environment with no drills', async () => {
    const points = await scoreTrend(historyOf([]), catalogueOf([]), 'staging', NOW, 2);
    expect(points.map((point) => point.score)).toEqual([null, null, null]);
  });
});

describe('weekStartsBefore', () => {
  it('lists Mondays 00:00 UTC at or before now, oldest first', () => {
    expect(weekStartsBefore(new Date('2026-12-02T08:00:00Z'), 2).map((d) => d.toISOString())).toEqual(['2026-11-23T00:00:00.000Z', '2026-11-30T00:00:00.000Z']);
    expect(weekStartsBefore(new Date('2026-11-29T23:59:59Z'), 1).map((d) => d.toISOString())).toEqual(['2026-11-23T00:00:00.000Z']);
  });
});
