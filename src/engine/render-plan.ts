import { formatDuration } from '../catalogue/duration.js';
import type { RunPlan } from './plan.js';

/** The plan's first line: what, where, and that nothing changes. */
export function planHeadline(plan: RunPlan): string {
  return `plan: ${plan.drill.title} [${plan.drill.id}, ${plan.drill.kind}] in ${plan.environment} (dry run: nothing is changed)`;
}

/** The plan's steps as text lines, in the order a run takes them; the CLI prints them, chat sends them. */
export function planSteps(plan: RunPlan): string[] {
  const { preflight, recovery, recoveredWhen } = plan;
  const approvers = preflight.approval.approvers.length ? `: one of ${preflight.approval.approvers.join(', ')}` : '';
  const lines = [
    plan.refusal ? `  !! this run would be refused: ${plan.refusal}` : undefined,
    '1. preflight (read only; a failure refuses the run and changes nothing)',
    '   - the environment is a staging target, not protected, not production-looking',
    ...preflight.steadyState.map((name) => `   - steady state green: ${name}`),
    ...preflight.guards.map((name) => `   - must stay green until the undo is done, or the run aborts: ${name}`),
    preflight.approval.required ? `   - a second person approves (approve <run> in chat, or firedrill approve <run>)${approvers}` : undefined,
    '   - no other run is active in this environment',
    '2. record the undo in the journal, then inject:',
    ...plan.inject.map((action) => `   - ${action}`),
    plan.rpoMarker ? `   - RPO marker: ${plan.rpoMarker}` : undefined,
    `3. wait for detection: ${detectionText(plan.detection)}`,
    `4. recovery: ${recovery.mode === 'automated' ? `automated (${recovery.trigger}): ${recovery.runbook}` : 'manual, by the team'}; ` +
      `service counts as back when the probes stay green for ${formatDuration(recoveredWhen.stableForMs)} (checked every ${formatDuration(recoveredWhen.checkEveryMs)} while recovery is awaited)`,
    `5. verify: ${plan.verify.join(', ') || 'no data checks'}${plan.rpoMarker ? '; read the RPO marker' : ''}`,
    `6. undo whatever is still in effect; at ${formatDuration(plan.undo.maxDurationMs)} or on abort, undo at once`,
    `objectives: ${objectivesText(plan.objectives)}`,
  ];
  return lines.filter((line): line is string => line !== undefined);
}

function detectionText(detection: RunPlan['detection']): string {
  const sources = detection.alerts.map((rule) => `${rule.source} alert ${rule.match.join(', ')}`);
  if (detection.people) sources.push('a person saying "detected" (chat or firedrill detected <run>)');
  return sources.join(' or ') || 'none configured: the run will be scored "not detected"';
}

function objectivesText(objectives: RunPlan['objectives']): string {
  return (
    (['ttd', 'rto', 'rpo'] as const)
      .filter((key) => objectives[`${key}Ms`] !== null)
      .map((key) => `${key.toUpperCase()} ${formatDuration(objectives[`${key}Ms`]!)}`)
      .join(', ') || 'none'
  );
}
