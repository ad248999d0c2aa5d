import { formatDuration } from '../catalogue/duration.js';
import { offsetText } from '../scoring/render-text.js';
import type { DrillReport, MeasureReport, Participant } from './report-model.js';

const OUTCOME = { pass: 'PASS', fail: 'FAIL', aborted: 'ABORTED', refused: 'REFUSED' } as const;

/** The report for reading (a wiki, an audit folder); `<run>.json` beside it is the signed record. */
export function renderReportMarkdown(report: DrillReport): string {
  const { run, scenario } = report;
  const lines: string[] = [
    `# Drill report: ${escape(scenario.title)}`,
    '',
    `- **Run:** \`${run.id}\``,
    `- **Result:** ${run.outcome ? OUTCOME[run.outcome] : 'still running'}${run.reason ? `: ${escape(run.reason)}` : ''}`,
    `- **Started:** ${run.startedAt}${run.scoredAt ? `; scored ${run.scoredAt}` : ''}`,
    `- **Report generated:** ${report.generatedAt}`,
    '',
    '## Scenario',
    '',
    `- **Drill:** \`${escape(scenario.drill)}\` (${escape(scenario.kind)}, severity ${escape(scenario.severity)})`,
    `- **Environment:** ${escape(scenario.environment)}`,
    `- **Recovery:** ${escape(scenario.recovery)}`,
  ];
  if (scenario.description) lines.push('', escape(scenario.description));
  lines.push('', '## Participants', '', ...participantLines(report.participants));
  lines.push('', '## Objectives and measurements', '', '| measure | objective | measured | bounds | met |', '|---|---|---|---|---|');
  for (const measure of report.objectives) lines.push(measureRow(measure));
  lines.push('', 'A measured value carries the bounds that the observations place the truth within; an objective is met only when all of them meet it.');
  for (const note of report.notes) lines.push(`- **Note:** ${escape(note)}`);
  lines.push('', '## Timeline', '', '| time | t | event |', '|---|---|---|');
  for (const entry of report.timeline) lines.push(`| ${entry.at} | ${offsetText(entry.offsetMs)} | ${escape(entry.text)} |`);
  lines.push('', '## Evidence from the journal', '', ...evidenceLines(report));
  lines.push('', '## Learnings', '');
  if (report.learnings.length === 0) lines.push('None recorded.');
  for (const learning of report.learnings) lines.push(`- ${escape(learning.text)} (${escape(learning.by)}, ${learning.at.slice(0, 10)})`);
  lines.push('', '## Action items', '');
  if (report.actions.length === 0) lines.push('None recorded.');
  else lines.push('| id | action | owner | due | state |', '|---|---|---|---|---|');
  for (const action of report.actions) {
    const state = action.state === 'done' ? `done ${action.doneAt!.slice(0, 10)} by ${escape(action.doneBy ?? '')}` : action.state;
    lines.push(`| \`${action.id}\` | ${escape(action.text)} | ${escape(action.owner ?? '-')} | ${action.due ?? '-'} | ${state} |`);
  }
  lines.push('', '## Audit', '', 'This report is a dated record of a recovery test, for evidence toward:', '');
  for (const control of report.controls) lines.push(`- **${escape(control.framework)} ${escape(control.control)}:** ${escape(control.asks)}`);
  lines.push(
    '',
    `\`${run.id}.json\` is the canonical record (this page is rendered from it); \`${run.id}.json.asc\` is its detached OpenPGP signature by firedrill's key. Check it with:`,
    '',
    '```',
    `gpg --verify ${run.id}.json.asc ${run.id}.json`,
    '```',
    '',
    'after importing the key that `firedrill signing-key` prints (or `GET /signing-key.asc` serves).',
    '',
  );
  return lines.join('\n');
}

function participantLines(participants: DrillReport['participants']): string[] {
  const list = (people: Participant[]) => (people.length ? people.map(person).join(', ') : 'nobody');
  const detected = participants.detectedBy;
  return [
    `- **Started by:** ${person(participants.startedBy)}`,
    `- **Approved by:** ${list(participants.approvedBy)}`,
    `- **Detected by:** ${detected ? `${detected.source}: ${escape(detected.name)}${detected.identity ? ` (${escape(detected.identity)})` : ''}` : 'not detected'}`,
    `- **Recovered by:** ${participants.recoveryRunbook ? `runbook ${escape(participants.recoveryRunbook)}` : 'the team'}${participants.recoveryReportedBy.length ? `; reported back by ${list(participants.recoveryReportedBy)}` : ''}`,
    ...(participants.abortedBy.length ? [`- **Aborted by:** ${list(participants.abortedBy)}`] : []),
    `- **Follow-ups by:** ${list(participants.followUpsBy)}`,
  ];
}

function person(participant: Participant): string {
  return participant.identity && participant.identity.split(':').slice(1).join(':') !== participant.name
    ? `${escape(participant.name)} (${escape(participant.identity)})`
    : escape(participant.name);
}

function measureRow(measure: MeasureReport): string {
  const ms = (value: number | null) => (value === null ? '-' : formatDuration(value));
  const bounds = measure.bounds ? `${ms(measure.bounds.lowMs)} – ${ms(measure.bounds.highMs)}` : '-';
  const met = measure.met === null ? '-' : measure.met ? 'met' : '**missed**';
  return `| ${measure.measure} | ${ms(measure.objectiveMs)} | ${ms(measure.measuredMs)} | ${bounds} | ${met} |`;
}

function evidenceLines(report: DrillReport): string[] {
  const { evidence } = report;
  const check = (item: { check: string; ok: boolean; detail: string }) => `- ${item.ok ? 'ok' : '**FAILED**'}: ${escape(item.check)}: ${escape(item.detail)}`;
  const lines = ['### Preflight', '', ...(evidence.preflight.length ? evidence.preflight.map(check) : ['none journaled'])];
  lines.push('', '### Injection', '');
  lines.push(...evidence.injection.planned.map((action) => `- planned: ${escape(action)}`));
  lines.push(...evidence.injection.steps.map((step) => `- done ${step.at}: ${escape(step.action)} (undo: ${escape(step.undoneBy)})`));
  lines.push(evidence.injection.injectedAt ? `- fault in effect at ${evidence.injection.injectedAt}` : '- nothing was injected');
  lines.push('', '### Undo', '');
  lines.push(...evidence.undo.recorded.map((description) => `- recorded before injection: ${escape(description)}`));
  lines.push(...evidence.undo.done.map((undo) => `- undone ${undo.at}: ${escape(undo.description)}: ${escape(undo.detail)}`));
  lines.push(...evidence.undo.failed.map((undo) => `- **failed** ${undo.at}: ${escape(undo.description)}: ${escape(undo.error)}`));
  if (evidence.undo.rolledBack) lines.push('- everything injected was undone');
  if (evidence.undo.needsAttention) lines.push(`- **needs attention:** ${escape(evidence.undo.needsAttention)}`);
  lines.push('', '### Verification', '', ...(evidence.verification.length ? evidence.verification.map(check) : ['none journaled']));
  if (evidence.rpo) {
    lines.push('', '### Data (RPO)', '', `- marker: ${escape(evidence.rpo.marker ?? 'unknown')}`, `- newest before injection: ${evidence.rpo.newestBefore ?? 'none'}`, `- newest surviving: ${evidence.rpo.newestAfter ?? 'none'}`);
  }
  if (evidence.measurements.length) lines.push('', '### Measurements', '', ...evidence.measurements.map(({ name, value }) => `- ${escape(name)}: ${escape(String(value))}`));
  return lines;
}

/** Markdown's active characters in text that people or tools wrote; table cells keep their pipes escaped. */
function escape(text: string): string {
  return text.replace(/[\\`*_<>|[\]#]/g, (character) => `\\${character}`).replace(/\r?\n/g, ' ');
}
