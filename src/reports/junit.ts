import { formatDuration } from '../catalogue/duration.js';
import type { Scorecard } from '../scoring/scorecard-schema.js';
import { renderXml, type XmlElement } from './xml.js';

/**
 * A run as a JUnit result, for CI pipelines (`firedrill run --junit FILE`): one test suite, the
 * drill; one test case per objective (TTD, RTO, RPO) and per verification check, and one for the
 * run itself, which errs when the run was refused or aborted. A missed objective is a failure
 * that says what was measured, within which bounds, against what.
 */
export function junitReport(scorecard: Scorecard): string {
  const cases = [runCase(scorecard), ...objectiveCases(scorecard), ...verificationCases(scorecard)];
  const count = (name: string) => cases.filter((testcase) => testcase.children?.some((child) => child.name === name)).length;
  const suite: XmlElement = {
    name: 'testsuite',
    attributes: {
      name: scorecard.drill.id,
      tests: cases.length,
      failures: count('failure'),
      errors: count('error'),
      skipped: count('skipped'),
      time: seconds(durationOf(scorecard)),
      timestamp: scorecard.events[0]?.at.slice(0, 19),
    },
    children: [
      {
        name: 'properties',
        children: Object.entries({
          'run.id': scorecard.runId,
          environment: scorecard.environment,
          'drill.title': scorecard.drill.title,
          'drill.kind': scorecard.drill.kind,
          'drill.severity': scorecard.drill.severity,
          outcome: scorecard.outcome,
          'requested.by': scorecard.requestedBy,
        }).map(([name, value]) => ({ name: 'property', attributes: { name, value } })),
      },
      ...cases,
    ],
  };
  return renderXml({ name: 'testsuites', attributes: { name: 'firedrill' }, children: [suite] });
}

function testcase(scorecard: Scorecard, name: string, timeMs: number | null, outcome?: XmlElement): XmlElement {
  return { name: 'testcase', attributes: { classname: `${scorecard.drill.id}.${scorecard.environment}`, name, time: seconds(timeMs ?? 0) }, children: outcome ? [outcome] : [] };
}

function runCase(scorecard: Scorecard): XmlElement {
  const stopped = scorecard.outcome === 'refused' || scorecard.outcome === 'aborted';
  const reason = scorecard.reason ?? scorecard.outcome;
  return testcase(scorecard, 'run', durationOf(scorecard), stopped ? { name: 'error', attributes: { type: scorecard.outcome, message: `${scorecard.outcome}: ${reason}` }, text: scorecard.notes.join('\n') } : undefined);
}

const MEASURES = [
  { key: 'ttd', label: 'TTD (time to detect)' },
  { key: 'rto', label: 'RTO (time to recover)' },
  { key: 'rpo', label: 'RPO (data lost)' },
] as const;

function objectiveCases(scorecard: Scorecard): XmlElement[] {
  return MEASURES.map(({ key, label }) => {
    const objective = scorecard.objectives[`${key}Ms`];
    const measured = scorecard[`${key}Ms`];
    const bounds = scorecard.bounds[`${key}Ms`];
    const time = key === 'rpo' ? null : measured;
    if (objective === null) return testcase(scorecard, label, time, { name: 'skipped', attributes: { message: 'the drill sets no objective' } });
    const met = scorecard.met[key];
    if (met === null) return testcase(scorecard, label, time, { name: 'skipped', attributes: { message: 'not measured: nothing was injected' } });
    if (met) return testcase(scorecard, label, time);
    const measuredText = measured === null ? 'not measured' : `${formatDuration(measured)}${bounds ? ` (between ${formatDuration(bounds.low)} and ${formatDuration(bounds.high)})` : ''}`;
    const message = `${key.toUpperCase()} ${measuredText}, objective ${formatDuration(objective)}`;
    const detail = [
      `measured: ${measured === null ? 'none' : `${measured} ms`}`,
      `bounds: ${bounds ? `${bounds.low}-${bounds.high} ms` : 'none'}`,
      `objective: ${objective} ms`,
      'graded on the late side of the bounds: met only when all of them meet the objective',
    ].join('\n');
    return testcase(scorecard, label, time, { name: 'failure', attributes: { type: 'objective-missed', message }, text: detail });
  });
}

function verificationCases(scorecard: Scorecard): XmlElement[] {
  return scorecard.verification.map(({ check, ok, detail }) =>
    testcase(scorecard, `verify: ${check}`, null, ok ? undefined : { name: 'failure', attributes: { type: 'verification-failed', message: detail }, text: detail }),
  );
}

function durationOf(scorecard: Scorecard): number {
  const first = scorecard.events[0];
  const last = scorecard.events.at(-1);
  return first && last ? Math.max(0, Date.parse(last.at) - Date.parse(first.at)) : 0;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}
