import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../../src/history/ports.js';
import { DEFAULT_EVERY_MS, resilienceScore, SEVERITY_WEIGHTS, type ScoreInput, type Severity } from '../../../src/scoring/resilience-score.js';
import { DAY, runRecord, standing } from './history-fixtures.js';

const NOW = new Date('2026-11-30T12:00:00.000Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();

function drill(id: string, severity: Severity = 'high', everyDays = 30): ScoreInput['drills'][number] {
  return { id, title: `Drill ${id}`, severity, everyMs: everyDays * DAY };
}

function input(drills: ScoreInput['drills'], runs: Parameters<typeof runRecord>[0][]): ScoreInput {
  return { environment: 'staging', now: NOW, drills, standings: runs.map((run) => standing(runRecord(run))) };
}

describe('resilienceScore', () => {
  it('is null when no drill applies to the environment, not 0 or 100', () => {
    const score = resilienceScore(input([], []));
    expect(score.score).toBeNull();
    expect(score.drills).toEqual([]);
    expect(score.maxPoints).toBe(0);
  });

  it('counts a drill never run as 0 and overdue, with no date it fell due', () => {
    const score = resilienceScore(input([drill('a')], []));
    expect(score.score).toBe(0);
    expect(score.drills[0]).toMatchObject({ lastResult: 'not-run', lastRunAt: null, overdue: true, overdueSince: null, points: 0 });
  });

  it('gives 100 when every drill passed within its interval', () => {
    const score = resilienceScore(input([drill('a'), drill('b', 'low')], [
      { drill: 'a', result: 'passed', finishedAt: daysAgo(1) },
      { drill: 'b', result: 'passed', finishedAt: daysAgo(29) },
    ]));
    expect(score.score).toBe(100);
    expect(score.drills.every((d) => !d.overdue && d.freshness === 1)).toBe(true);
  });

  it('weights drills by severity: a failed critical drill costs more than a failed low one', () => {
    const severities: Severity[] = ['low', 'medium', 'high', 'critical'];
    const scoreWithFailed = (failed: Severity) =>
      resilienceScore(
        input(
          severities.map((severity) => drill(severity, severity)),
          severities.map((severity) => ({ drill: severity, result: (severity === failed ? 'not-detected' : 'passed') as RunResult, finishedAt: daysAgo(2) })),
        ),
      ).score!;
    const total = 1 + 2 + 4 + 8;
    expect(SEVERITY_WEIGHTS).toEqual({ low: 1, medium: 2, high: 4, critical: 8 });
    expect(scoreWithFailed('low')).toBe(Math.round((100 * (total - 1)) / total));
    expect(scoreWithFailed('medium')).toBe(Math.round((100 * (total - 2)) / total));
    expect(scoreWithFailed('high')).toBe(Math.round((100 * (total - 4)) / total));
    expect(scoreWithFailed('critical')).toBe(Math.round((100 * (total - 8)) / total));
  });

  it('never counts refused, aborted or not-detected runs as passes', () => {
    for (const result of ['refused', 'aborted', 'not-detected'] as const) {
      const score = resilienceScore(input([drill('a')], [{ drill: 'a', result, finishedAt: daysAgo(1), met: { ttd: true, rto: true, rpo: true } }]));
      expect(score.score, result).toBe(0);
    }
  });

  it('treats a refused last run as no run at all: it tested nothing', () => {
    const score = resilienceScore(input([drill('a')], [{ drill: 'a', result: 'refused', finishedAt: daysAgo(1) }]));
    expect(score.drills[0]).toMatchObject({ lastResult: 'not-run', overdue: true });
  });

  it('never counts a run that is still going', () => {
    const score = resilienceScore(input([drill('a')], [{ drill: 'a', result: null, finishedAt: null }]));
    expect(score.score).toBe(0);
    expect(score.drills[0]!.lastResult).toBe('not-run');
  });

  it('gives a failed run half credit for the share of objectives it met', () => {
    const partly = resilienceScore(input([drill('a')], [{ drill: 'a', result: 'failed', finishedAt: daysAgo(1), met: { ttd: true, rto: false, rpo: null } }]));
    expect(partly.drills[0]).toMatchObject({ credit: 0.25, objectivesMet: 1, objectivesJudged: 2 });
    expect(partly.score).toBe(25);
    const allMet = resilienceScore(input([drill('a')], [{ drill: 'a', result: 'failed', finishedAt: daysAgo(1), met: { ttd: true, rto: true, rpo: true } }]));
    expect(allMet.score).toBe(50);
  });

  it('judges a drill with no objectives by its result alone', () => {
    const none = { met: { ttd: null, rto: null, rpo: null }, objectives: { ttdMs: null, rtoMs: null, rpoMs: null } };
    expect(resilienceScore(input([drill('a')], [{ drill: 'a', result: 'passed', finishedAt: daysAgo(1), ...none }])).score).toBe(100);
    const failed = resilienceScore(input([drill('a')], [{ drill: 'a', result: 'failed', finishedAt: daysAgo(1), ...none }]));
    expect(failed.score).toBe(0);
    expect(failed.drills[0]).toMatchObject({ objectivesJudged: 0, credit: 0 });
  });

  it('keeps full credit exactly at the every boundary, and fades it after', () => {
    const at = (ms: number) =>
      resilienceScore({ ...input([drill('a', 'high', 30)], []), standings: [standing(runRecord({ drill: 'a', result: 'passed', finishedAt: new Date(NOW.getTime() - ms).toISOString() }))] });
    const boundary = at(30 * DAY);
    expect(boundary.drills[0]).toMatchObject({ overdue: false, freshness: 1, overdueSince: null });
    expect(boundary.score).toBe(100);
    const justAfter = at(30 * DAY + 1);
    expect(justAfter.drills[0]).toMatchObject({ overdue: true, overdueSince: new Date(NOW.getTime() - 1).toISOString() });
    expect(justAfter.score).toBe(100); // 1 ms of fading rounds away
    expect(at(45 * DAY).score).toBe(50);
    expect(at(60 * DAY).score).toBe(0);
    expect(at(400 * DAY).score).toBe(0);
  });

  it('lets everything passing long ago decay to 0', () => {
    const score = resilienceScore(input([drill('a'), drill('b', 'critical', 7)], [
      { drill: 'a', result: 'passed', finishedAt: daysAgo(365) },
      { drill: 'b', result: 'passed', finishedAt: daysAgo(365) },
    ]));
    expect(score.score).toBe(0);
    expect(score.drills.every((d) => d.overdue && d.lastResult === 'passed')).toBe(true);
  });

  it('uses the default interval when a drill has none that makes sense', () => {
    const score = resilienceScore(input([{ ...drill('a'), everyMs: 0 }], [{ drill: 'a', result: 'passed', finishedAt: daysAgo(89) }]));
    expect(score.drills[0]).toMatchObject({ everyMs: DEFAULT_EVERY_MS, overdue: false });
  });

  it('ignores standings of other environments and of drills that do not apply', () => {
    const score = resilienceScore({
      environment: 'staging',
      now: NOW,
      drills: [drill('a')],
      standings: [
        standing(runRecord({ drill: 'a', result: 'passed', finishedAt: daysAgo(1), environment: 'qa' }), 'qa'),
        standing(runRecord({ drill: 'b', result: 'passed', finishedAt: daysAgo(1) })),
      ],
    });
    expect(score.score).toBe(0);
    expect(score.drills.map((d) => d.drill)).toEqual(['a']);
  });

  it('stays within 0..100 whatever the runs, and is the same for the same input', () => {
    const results: (RunResult | null)[] = ['passed', 'failed', 'aborted', 'refused', 'not-detected', null];
    const severities: Severity[] = ['low', 'medium', 'high', 'critical'];
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 300; round++) {
      const count = 1 + Math.floor(random() * 6);
      const drills = Array.from({ length: count }, (_, i) => drill(`d${i}`, severities[Math.floor(random() * 4)]!, 1 + Math.floor(random() * 120)));
      const runs = drills.map((d) => {
        const result = results[Math.floor(random() * results.length)]!;
        const met = { ttd: random() < 0.5, rto: random() < 0.5 ? null : random() < 0.5, rpo: null };
        return { drill: d.id, result, finishedAt: result === null ? null : daysAgo(random() * 400 - 5), met };
      });
      const value = input(drills, runs);
      const score = resilienceScore(value);
      expect(score.score).toBeGreaterThanOrEqual(0);
      expect(score.score).toBeLessThanOrEqual(100);
      expect(score.points).toBeLessThanOrEqual(score.maxPoints);
      for (const d of score.drills) expect(d.points).toBeLessThanOrEqual(d.weight);
      expect(resilienceScore(structuredClone(value))).toEqual(score);
    }
  });

  it('does not depend on the order of drills or standings', () => {
    const drills = [drill('a'), drill('b', 'low'), drill('c', 'critical')];
    const runs = [
      { drill: 'a', result: 'passed' as const, finishedAt: daysAgo(3) },
      { drill: 'b', result: 'failed' as const, finishedAt: daysAgo(40) },
      { drill: 'c', result: 'aborted' as const, finishedAt: daysAgo(2) },
    ];
    const forward = resilienceScore(input(drills, runs));
    const backward = resilienceScore(input([...drills].reverse(), [...runs].reverse()));
    expect(backward).toEqual(forward);
    expect(forward.score).toBe(Math.round((100 * 4) / 13));
  });

  it('explains each drill in a sentence', () => {
    const score = resilienceScore(input([drill('a')], [{ drill: 'a', result: 'failed', finishedAt: daysAgo(40), met: { ttd: true, rto: false, rpo: null } }]));
    expect(score.drills[0]!.explanation).toBe('last run failed, meeting 1 of 2 objectives; overdue, so its credit fades');
  });
});
