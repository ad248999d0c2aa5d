import type { Scorecard } from './score-run.js';
import { measureRows, offsetText, rpoSourceText } from './render-text.js';

const OUTCOME_BADGE = { pass: '✅ PASS', fail: '❌ FAIL', aborted: '⚠️ ABORTED', refused: '⛔ REFUSED' } as const;

/** For a pull request, a wiki page or an incident review. */
export function renderMarkdown(scorecard: Scorecard): string {
  const { drill } = scorecard;
  const lines = [
    `## ${OUTCOME_BADGE[scorecard.outcome]}: ${escape(drill.title)}`,
    '',
    `\`${drill.id}\` (${drill.kind}, severity ${drill.severity}) in **${escape(scorecard.environment)}**, ` +
      `run \`${scorecard.runId}\`, requested by ${escape(scorecard.requestedBy)}`,
  ];
  if (scorecard.reason) lines.push('', `**Why:** ${escape(scorecard.reason)}`);
  lines.push('', '| measure | measured | objective | |', '|---|---|---|---|');
  for (const row of measureRows(scorecard)) {
    lines.push(`| ${row.label} | ${row.measured} | ${row.objective} | ${row.verdict === 'MISSED' ? '**missed**' : row.verdict} |`);
  }
  lines.push('');
  if (scorecard.detectedBy) {
    const { source, name, detail } = scorecard.detectedBy;
    lines.push(`- **Detected by:** ${source}: ${escape(name)}${detail ? ` (${escape(detail)})` : ''}`);
  }
  lines.push(`- **Recovery:** ${escape(scorecard.recovery.runbook ?? scorecard.recovery.mode)}`);
  if (scorecard.rpo) lines.push(`- **Data:** ${escape(rpoSourceText(scorecard.rpo))}`);
  for (const { name, value } of scorecard.measurements ?? []) lines.push(`- **${escape(name)}:** ${escape(String(value))}`);
  for (const note of scorecard.notes) lines.push(`- **Note:** ${escape(note)}`);
  lines.push('', '<details><summary>Timeline</summary>', '', '| t | event |', '|---|---|');
  for (const event of scorecard.events) lines.push(`| ${offsetText(event.offsetMs) || event.at} | ${escape(event.text)} |`);
  lines.push('', '</details>', '');
  return lines.join('\n');
}

function escape(text: string): string {
  return text.replace(/[|\\`*_<>]/g, (character) => `\\${character}`);
}
