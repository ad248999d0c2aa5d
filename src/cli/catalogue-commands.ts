import { effectiveDrill } from '../catalogue/load.js';
import { configJsonSchema, drillJsonSchema } from '../catalogue/json-schema.js';
import { formatDuration } from '../catalogue/duration.js';
import { recoveryIntervalOf } from '../catalogue/drill-schema.js';
import { runtimeFactoryFor } from '../compose/index.js';
import { environmentRefusal } from '../engine/environment-guard.js';
import type { ProcessJournal } from '../engine/ports.js';
import { UserError } from '../errors.js';
import { loadCatalogueOrExplain, type CliContext } from './context.js';
import { ownValue } from '../catalogue/own.js';

export function schemaCommand(context: CliContext, which: string): number {
  if (which !== 'drill' && which !== 'config') throw new UserError(`no schema "${which}"`, 'use: firedrill schema drill, or firedrill schema config');
  context.out(`${JSON.stringify(which === 'drill' ? drillJsonSchema() : configJsonSchema(), null, 2)}\n`);
  return 0;
}

/** A plan builds the runtime to describe it and never runs a command; if one ever did, it fails loudly. */
const PLAN_RUNS_NO_COMMANDS: ProcessJournal = {
  started: async () => {
    throw new Error('a plan runs no commands');
  },
  ended: async () => undefined,
};

/** A dry run: what the run would do, in order. Nothing is connected to, nothing changes. */
export async function planCommand(context: CliContext, configPath: string, drillId: string, environmentName: string): Promise<number> {
  const catalogue = await loadCatalogueOrExplain(context, configPath);
  // Throws a UserError, with did-you-mean, for an unknown drill or environment.
  const drill = effectiveDrill(catalogue, drillId, environmentName);
  const environment = ownValue(catalogue.config.environments, environmentName)!;
  const runtime = await runtimeFactoryFor(catalogue, context.env).runtimeFor(drill, environmentName, environment, 'planned-run', PLAN_RUNS_NO_COMMANDS);
  try {
    const refusal = environmentRefusal(environmentName, environment);
    const lines = [
      `plan: ${drill.title} [${drill.id}, ${drill.kind}] in ${environmentName} (dry run: nothing is changed)`,
      refusal ? `  !! this run would be refused: ${refusal}` : undefined,
      '1. preflight (read only; a failure refuses the run and changes nothing)',
      '   - the environment is a staging target, not protected, not production-looking',
      ...runtime.steadyState.map((probe) => `   - steady state green: ${probe.name}`),
      drill.requiresApproval ? '   - a second person approves (firedrill approve <run>)' : undefined,
      '   - no other run is active in this environment',
      '2. record the undo in the journal, then inject:',
      ...runtime.fault.plan().map((action) => `   - ${action}`),
      runtime.rpo ? `   - RPO marker: ${runtime.rpo.description}` : undefined,
      `3. wait for detection: ${describeDetection(drill.detection)}`,
      `4. recovery: ${runtime.runbook ? `automated (${drill.recovery.mode === 'automated' ? drill.recovery.trigger : ''}): ${runtime.runbook.description}` : 'manual, by the team'}; ` +
        `service counts as back when the probes stay green for ${formatDuration(drill.steadyState.stableFor)} (checked every ${formatDuration(recoveryIntervalOf(drill.steadyState))} while recovery is awaited)`,
      `5. verify: ${runtime.verify.map((probe) => probe.name).join(', ') || 'no data checks'}${runtime.rpo ? '; read the RPO marker' : ''}`,
      `6. undo whatever is still in effect; at ${formatDuration(drill.maxDuration)} or on abort, undo at once`,
      `objectives: ${Object.entries(drill.objectives).map(([name, ms]) => `${name.toUpperCase()} ${formatDuration(ms as number)}`).join(', ')}`,
    ];
    context.out(`${lines.filter((line) => line !== undefined).join('\n')}\n`);
    return refusal ? 1 : 0;
  } finally {
    await runtime.close();
  }
}

function describeDetection(detection: { alerts: { source: string; match: string[] }[]; chat: boolean }): string {
  const sources = detection.alerts.map((rule) => `${rule.source} alert ${rule.match.join(', ')}`);
  if (detection.chat) sources.push('a person saying "detected" (chat or firedrill detected <run>)');
  return sources.join(' or ') || 'none configured: the run will be scored "not detected"';
}
