import type { Environment } from '../config/config-schema.js';
import { environmentRefusal, productionLookingNames } from './environment-guard.js';
import type { Journal } from './journal.js';
import type { DrillRuntime } from './ports.js';

/**
 * In three stages, each journaled, and a stage runs only when the one before it passed:
 * nothing connects to a target before the target is allowed, and the steady state of a
 * refused target is never probed. Within a stage every check runs, so a refusal lists all
 * its reasons at once. Returns the reason to refuse, or undefined when the run may inject.
 */
export async function preflight(
  journal: Journal,
  environmentName: string,
  environment: Environment,
  runtime: DrillRuntime,
): Promise<string | undefined> {
  const failures: string[] = [];
  const record = async (check: string, ok: boolean, detail: string) => {
    await journal.append({ type: 'preflight-check', check, ok, detail });
    if (!ok) failures.push(`${check}: ${detail}`);
  };

  const refusal = environmentRefusal(environmentName, environment);
  // An override of the name rule is journaled with the check, so the scorecard shows who allowed what.
  const overridden = environment.allowProductionLookingNames ? productionLookingNames(environmentName, environment) : [];
  const allowed = overridden.length
    ? `${environmentName} is a staging target: ${overridden.join(', ')} look like production, allowed by allowProductionLookingNames`
    : `${environmentName} is a staging target`;
  await record('environment allowed', !refusal, refusal ?? allowed);
  if (failures.length) return failures.join('; ');

  for (const result of await runtime.fault.preflight()) await record(result.check, result.ok, result.detail);
  if (failures.length) return failures.join('; ');

  // Injecting into something already broken would measure the old outage, not this drill.
  const results = await Promise.all(runtime.steadyState.map(async (probe) => ({ probe, result: await probe.check() })));
  for (const { probe, result } of results) await record(`steady state: ${probe.name}`, result.ok, result.detail);
  // A guard already red: the drill would start by hurting what it must not.
  const guards = await Promise.all((runtime.guards ?? []).map(async (probe) => ({ probe, result: await probe.check() })));
  for (const { probe, result } of guards) await record(`guard: ${probe.name}`, result.ok, result.detail);

  return failures.length ? failures.join('; ') : undefined;
}
