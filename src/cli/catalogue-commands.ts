import { configJsonSchema, drillJsonSchema } from '../config/json-schema.js';
import { runtimeFactoryFor } from '../compose/index.js';
import { planRun } from '../engine/plan.js';
import { planHeadline, planSteps } from '../engine/render-plan.js';
import { UserError } from '../errors.js';
import { loadCatalogueOrExplain, type CliContext } from './context.js';

export function schemaCommand(context: CliContext, which: string): number {
  if (which !== 'drill' && which !== 'config') throw new UserError(`no schema "${which}"`, 'use: firedrill schema drill, or firedrill schema config');
  context.out(`${JSON.stringify(which === 'drill' ? drillJsonSchema() : configJsonSchema(), null, 2)}\n`);
  return 0;
}

/** A dry run: what the run would do, in order, as text or JSON. Nothing is connected to, nothing changes. */
export async function planCommand(context: CliContext, configPath: string, drillId: string, environmentName: string, options: { json?: boolean } = {}): Promise<number> {
  const catalogue = await loadCatalogueOrExplain(context, configPath);
  const plan = await planRun({ catalogue, runtimes: runtimeFactoryFor(catalogue, context.env) }, drillId, environmentName);
  context.out(options.json ? `${JSON.stringify(plan, null, 2)}\n` : `${[planHeadline(plan), ...planSteps(plan)].join('\n')}\n`);
  return plan.refusal ? 1 : 0;
}
