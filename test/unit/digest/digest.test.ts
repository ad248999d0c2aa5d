import { describe, expect, it } from 'vitest';
import { Config } from '../../../src/config/config-schema.js';
import { Drill } from '../../../src/catalogue/drill-schema.js';
import { plainText } from '../../../src/chat/message.js';
import { buildDigest, countRuns, type DigestActionItem } from '../../../src/digest/digest.js';
import { digestMessage } from '../../../src/chat/digest-message.js';
import { DAY, historyOf, runRecord } from '../scoring/history-fixtures.js';

const NOW = new Date('2026-11-30T09:00:00.000Z');
const at = (daysBeforeNow: number) => new Date(NOW.getTime() - daysBeforeNow * DAY).toISOString();

function drill(id: string, every: string): Drill {
  return Drill.parse({
    id,
    title: `Drill ${id}`,
    kind: 'command',
    severity: 'high',
    objectives: { ttd: '1m', rto: '1m' },
    steadyState: { probes: [{ type: 'command', run: 'true' }] },
    recovery: { mode: 'manual' },
    maxDuration: '10m',
    target: { inject: 'true', undo: 'true' },
    every,
  });
}

const catalogue = {
  configPath: 'firedrill.yaml',
  config: Config.parse({ environments: { staging: {}, prod: { protected: true } } }),
  drills: new Map([drill('a', '7d'), drill('b', '30d'), drill('c', '30d')].map((d) => [d.id, { drill: d, file: `${d.id}.yaml` }])),
};

const runs = [
  // The week before the period.
  runRecord({ drill: 'a', result: 'passed', finishedAt: at(9), createdAt: at(9) }),
  runRecord({ drill: 'b', result: 'passed', finishedAt: at(10), createdAt: at(10) }),
  // The period.
  runRecord({ drill: 'a', result: 'failed', finishedAt: at(3), createdAt: at(3), ttdMs: 30_000, rtoMs: 150_000, met: { ttd: true, rto: false, rpo: null } }),
  runRecord({ drill: 'b', result: 'not-detected', finishedAt: at(2), createdAt: at(2), ttdMs: null, rtoMs: 50_000, met: { ttd: false, rto: true, rpo: null } }),
  runRecord({ drill: 'a', result: 'passed', finishedAt: at(1), createdAt: at(1) }),
  runRecord({ drill: 'a', result: 'refused', finishedAt: at(0.5), createdAt: at(0.5) }),
  runRecord({ id: 'still-going', drill: 'b', result: null, finishedAt: null, createdAt: at(0.1) }),
];

describe('the weekly digest', () => {
  it('counts the runs of the week against the week before, and finds the worst objective miss and the overdue drills', async () => {
    const digest = await buildDigest({ history: historyOf(runs), catalogue }, { to: NOW, publicUrl: 'https://firedrill.example.org/base/' });
    expect(digest.from).toBe(at(7));
    expect(digest.environments.map((env) => env.environment)).toEqual(['staging']); // prod is protected
    const [staging] = digest.environments;
    expect(staging!.counts).toEqual({ run: 3, passed: 1, failed: 1, notDetected: 1, aborted: 0, refused: 1 });
    expect(staging!.previousCounts).toEqual({ run: 2, passed: 2, failed: 0, notDetected: 0, aborted: 0, refused: 0 });
    // Never measured (nobody detected it) is worse than 2.5 times the RTO.
    expect(digest.worstMiss).toMatchObject({ drill: 'b', measure: 'TTD', measuredMs: null, objectiveMs: 60_000 });
    expect(staging!.overdue.map((d) => d.drill)).toEqual(['c']);
    // Now: a passed (4), b not detected (0), c never run (0) of 12; at the start: a and b passed within their every.
    expect(staging!.score).toBe(33);
    expect(staging!.scoreAtStart).toBe(67);
    expect(digest.actions).toBeNull();
    expect(digest.overviewUrl).toBe('https://firedrill.example.org/base/');
  });

  it('lists open and overdue action items when the store keeps them', async () => {
    const items: DigestActionItem[] = [
      { id: 'x1', runId: 'run-aaaaaaaa1', text: 'page the on-call for table drops', owner: '@bob', due: '2026-11-20' },
      { id: 'x2', runId: 'run-aaaaaaaa1', text: 'alert on replication lag', owner: null, due: '2026-11-30' },
      { id: 'x3', runId: 'run-aaaaaaaa1', text: 'write the runbook', owner: null, due: null },
    ];
    const digest = await buildDigest({ history: historyOf(runs), catalogue, openActionItems: async () => items }, { to: NOW });
    expect(digest.actions!.open).toHaveLength(3);
    expect(digest.actions!.overdue.map((item) => item.id)).toEqual(['x1']);
    expect(plainText(digestMessage(digest))).toContain('Action items: 3 open, 1 overdue\n    overdue since 2026-11-20: page the on-call for table drops (@bob) (run run-aaaa)');
  });

  it('reads as a chat message', async () => {
    const digest = await buildDigest({ history: historyOf(runs), catalogue }, { to: NOW, publicUrl: 'https://firedrill.example.org' });
    const message = digestMessage(digest);
    expect(message.tone).toBe('bad');
    expect(plainText(message)).toBe(
      [
        'Fire drill digest, 2026-11-23 to 2026-11-30',
        '3 drill run(s): 1 passed, 1 failed, 1 not detected (1 refused) · the period before: 2 run, 2 passed, 0 failed, 0 not detected',
        'staging resilience score: 33/100 (-34 since 67)',
        '  staging: 3 run (+1), 1 passed (-1), 1 failed (+1), 1 not detected (+1)',
        '  Worst objective miss: TTD of b in staging: never measured, objective 1m (run b-2026-1)',
        '  Drills overdue: 1',
        '    c in staging (high): never run',
        '  Overview: https://firedrill.example.org/',
      ].join('\n'),
    );
  });

  it('says so when a quiet week had nothing to report', async () => {
    const quiet = { ...catalogue, drills: new Map([[ 'a', { drill: drill('a', '30d'), file: 'a.yaml' } ]]) };
    const history = historyOf([runRecord({ drill: 'a', result: 'passed', finishedAt: at(10), createdAt: at(10) })]);
    const message = digestMessage(await buildDigest({ history, catalogue: quiet }, { to: NOW }));
    expect(message.tone).toBe('info');
    expect(message.lines).toContain('Worst objective miss: none: no drill ran');
    expect(message.lines).toContain('Drills overdue: none');
    expect(message.fields).toEqual([{ label: 'staging resilience score', value: '100/100 (unchanged since 100)' }]);
  });

  it('counts only finished runs, refused ones apart', () => {
    expect(countRuns(runs.slice(2))).toEqual({ run: 3, passed: 1, failed: 1, notDetected: 1, aborted: 0, refused: 1 });
  });
});
