import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/reports/canonical-json.js';
import { buildDrillReport, renderReportMarkdown } from '../../../src/reports/drill-report.js';
import { scoreRun } from '../../../src/scoring/score-run.js';
import { journal, T0 } from '../scoring/journal-builder.js';

const RUN_ID = '3f2a9c41-0000-4000-8000-000000000001';

/** A drop-table run, start to follow-ups: approved, detected by an alert, restored by a runbook, verified. */
function finishedRun() {
  const built = journal()
    .created({ ttdMs: 60_000, rtoMs: 300_000, rpoMs: 60_000 }, -10_000, { description: 'Drop the orders table; restore it from the nightly backup.' }, 'root (as alice)')
    .add({ type: 'approval-requested' }, -9_000)
    .add({ type: 'approved', by: '<@U2>', identity: { realm: 'slack', id: 'U2' } }, -8_000)
    .add({ type: 'preflight-check', check: 'target allowed', ok: true, detail: 'shop.orders in staging' }, -7_000)
    .add({ type: 'rpo-baseline', newestBefore: new Date(T0 - 1_000).toISOString() }, -6_000)
    .add({ type: 'undo-recorded', undo: { action: 'restore-table', description: 'restore shop.orders from its safety copy', params: {} } }, -5_000)
    .add({ type: 'injecting', actions: ['DROP TABLE shop.orders'] }, -1_000)
    .add({ type: 'fault-step', action: 'dropped shop.orders', undoneBy: 'restore from safety copy' }, -500)
    .injected(0)
    .detected(45_000, 'OrdersTableMissing', { beforeMs: 1_000, afterMs: 0 })
    .add({ type: 'recovery-started', runbook: 'restore-table-from-s3' }, 46_000)
    .add({ type: 'measured', name: 'recovery reported by bob', value: iso(200_000) }, 200_000)
    .recovered(240_000, 2_000, true, { beforeMs: 5_000, afterMs: 0 })
    .add({ type: 'verify-check', check: 'orders row count', ok: true, detail: '10 rows' }, 245_000)
    .add({ type: 'rpo-measured', newestBefore: new Date(T0 - 1_000).toISOString(), newestAfter: new Date(T0 - 31_000).toISOString(), marker: 'canary table', resolutionMs: 1_000 }, 246_000)
    .add({ type: 'verified', ok: true }, 247_000);
  const scorecard = scoreRun(RUN_ID, built.events);
  built
    .add({ type: 'scored', outcome: scorecard.outcome }, 248_000)
    .add({ type: 'learning-added', text: 'the alert took 45 s | pipes *and* <tags>', by: '<@U2>', identity: { realm: 'slack', id: 'U2' } }, 300_000)
    .add({ type: 'action-added', id: 'k7m2q', text: 'page on OrdersTableMissing sooner', owner: '@bob', due: '2025-03-10', by: 'alice', identity: { realm: 'os', id: 'alice' } }, 301_000)
    .add({ type: 'action-added', id: 'x9y8z', text: 'document the restore', owner: null, due: '2025-04-30', by: 'alice' }, 302_000)
    .add({ type: 'action-done', id: 'x9y8z', by: 'bob' }, 303_000)
    .add({ type: 'action-done', id: 'x9y8z', by: 'carol' }, 304_000);
  return { events: built.events, scorecard };
}

function iso(ms: number): string {
  return new Date(T0 + ms).toISOString();
}

describe('the drill report', () => {
  it('gathers scenario, participants, objectives with bounds, evidence and follow-ups from the journal', () => {
    const { events, scorecard } = finishedRun();
    const report = buildDrillReport({ runId: RUN_ID, events, scorecard, generatedAt: '2025-03-20T09:00:00.000Z' });
    expect(report.run).toMatchObject({ id: RUN_ID, state: 'finished', outcome: 'pass', reason: null, injectedAt: iso(0), scoredAt: iso(248_000) });
    expect(report.scenario).toEqual({
      drill: 'drop-orders-table',
      title: 'The orders table is dropped',
      environment: 'staging',
      kind: 'drop-table',
      severity: 'high',
      description: 'Drop the orders table; restore it from the nightly backup.',
      recovery: 'automated: restore-table-from-s3',
    });
    expect(report.participants).toEqual({
      startedBy: { name: 'root (as alice)', identity: null },
      approvedBy: [{ name: '<@U2>', identity: 'slack:U2' }],
      detectedBy: { source: 'alertmanager', name: 'OrdersTableMissing', identity: null },
      recoveryRunbook: 'restore-table-from-s3',
      recoveryReportedBy: [{ name: 'bob', identity: null }],
      abortedBy: [],
      followUpsBy: [
        { name: '<@U2>', identity: 'slack:U2' },
        { name: 'alice', identity: 'os:alice' },
        { name: 'alice', identity: null },
        { name: 'bob', identity: null },
        { name: 'carol', identity: null },
      ],
    });
    expect(report.objectives).toEqual([
      { measure: 'TTD', objectiveMs: 60_000, measuredMs: 45_000, bounds: { lowMs: 44_000, highMs: 45_000 }, met: true },
      { measure: 'RTO', objectiveMs: 300_000, measuredMs: 240_000, bounds: { lowMs: 235_000, highMs: 240_000 }, met: true },
      { measure: 'RPO', objectiveMs: 60_000, measuredMs: 30_000, bounds: { lowMs: 29_000, highMs: 30_000 }, met: true },
    ]);
    expect(report.evidence.preflight).toEqual([{ check: 'target allowed', ok: true, detail: 'shop.orders in staging', at: iso(-7_000) }]);
    expect(report.evidence.injection).toEqual({ planned: ['DROP TABLE shop.orders'], steps: [{ action: 'dropped shop.orders', undoneBy: 'restore from safety copy', at: iso(-500) }], injectedAt: iso(0) });
    expect(report.evidence.undo).toMatchObject({ recorded: ['restore shop.orders from its safety copy'], rolledBack: false, needsAttention: null });
    expect(report.evidence.verification).toEqual([{ check: 'orders row count', ok: true, detail: '10 rows', at: iso(245_000) }]);
    expect(report.evidence.rpo).toEqual({ marker: 'canary table', newestBefore: iso(-1_000), newestAfter: iso(-31_000) });
    expect(report.learnings).toEqual([{ runId: RUN_ID, text: 'the alert took 45 s | pipes *and* <tags>', by: '<@U2>', at: iso(300_000) }]);
    expect(report.actions.map(({ id, state, doneBy }) => ({ id, state, doneBy }))).toEqual([
      { id: 'k7m2q', state: 'overdue', doneBy: null },
      { id: 'x9y8z', state: 'done', doneBy: 'bob' },
    ]);
    // Follow-ups are not part of what the run measured.
    expect(report.timeline.map((entry) => entry.text).join('\n')).not.toMatch(/learning|action/);
    expect(report.controls.map((control) => control.control)).toEqual(['A1.3', '8.5', 'A.5.30', 'Art. 11-12']);
  });

  it('is the same JSON text however often it is built, with keys in a stable order', () => {
    const { events, scorecard } = finishedRun();
    const build = (order: typeof events) => canonicalJson(buildDrillReport({ runId: RUN_ID, events: order, scorecard, generatedAt: '2025-03-20T09:00:00.000Z' }));
    const text = build(events);
    expect(build(events.map((event) => Object.fromEntries(Object.entries(event).reverse()) as typeof event))).toBe(text);
    expect(text.endsWith('}\n')).toBe(true);
    const keys = Object.keys(JSON.parse(text) as object);
    expect(keys).toEqual([...keys].sort());
    expect(keys).toEqual(['actions', 'controls', 'evidence', 'format', 'generatedAt', 'learnings', 'notes', 'objectives', 'participants', 'run', 'scenario', 'timeline']);
  });

  it('sorts keys at every depth, and by code unit', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null }, B: 'é', é: 0 })).toBe(
      '{\n  "B": "é",\n  "a": {\n    "c": null,\n    "d": [\n      {\n        "y": 2,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1,\n  "é": 0\n}\n',
    );
  });

  it('reports a run still going as running, with what it measured so far and no verdicts', () => {
    const { events } = finishedRun();
    const going = events.slice(0, 11);
    const report = buildDrillReport({ runId: RUN_ID, events: going, scorecard: null, generatedAt: '2025-03-04T10:01:00.000Z' });
    expect(report.run).toMatchObject({ state: 'running', outcome: null, scoredAt: null, recoveredAt: null });
    expect(report.objectives.map((measure) => [measure.measure, measure.measuredMs, measure.met])).toEqual([['TTD', 45_000, null], ['RTO', null, null], ['RPO', null, null]]);
  });

  it('renders Markdown an auditor reads: every section, the gpg command, text from people escaped', () => {
    const { events, scorecard } = finishedRun();
    const markdown = renderReportMarkdown(buildDrillReport({ runId: RUN_ID, events, scorecard, generatedAt: '2025-03-20T09:00:00.000Z' }));
    for (const heading of ['# Drill report: The orders table is dropped', '## Scenario', '## Participants', '## Objectives and measurements', '## Timeline', '## Evidence from the journal', '## Learnings', '## Action items', '## Audit']) {
      expect(markdown).toContain(`\n${heading}\n`.slice(heading.startsWith('# ') ? 1 : 0));
    }
    expect(markdown).toContain('| RTO | 5m | 4m | 3m55s – 4m | met |');
    expect(markdown).toContain('- **Approved by:** \\<@U2\\> (slack:U2)');
    expect(markdown).toContain('- the alert took 45 s \\| pipes \\*and\\* \\<tags\\>');
    expect(markdown).toContain('| `k7m2q` | page on OrdersTableMissing sooner | @bob | 2025-03-10 | overdue |');
    expect(markdown).toContain('| `x9y8z` | document the restore | - | 2025-04-30 | done 2025-03-04 by bob |');
    expect(markdown).toContain(`gpg --verify ${RUN_ID}.json.asc ${RUN_ID}.json`);
    expect(markdown).toContain('SOC 2 (2017 TSC) A1.3');
  });
});
