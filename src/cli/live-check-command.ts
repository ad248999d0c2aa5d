import { validateFiles } from '../catalogue/load.js';
import { formatProblem, isError } from '../catalogue/problems.js';
import { ownValue } from '../catalogue/own.js';
import { didYouMean, joinParts } from '../catalogue/suggest.js';
import { liveCheckPorts } from '../compose/live-check-ports.js';
import { PROBE_TIMEOUT_MS } from '../compose/kind-runtime.js';
import { UserError } from '../errors.js';
import { configSecrets, planEnvironmentChecks } from '../live-check/plan.js';
import { formatCheckLine, type CheckLine } from '../live-check/report.js';
import { checkEnvironment, checkSecrets, type LiveCheckDeps } from '../live-check/run.js';
import { loadCatalogueOrExplain, type CliContext } from './context.js';
import { drillsAllowedIn } from '../catalogue/effective.js';

/**
 * `firedrill validate --live [--env NAME]`: what only a live environment can tell, for the
 * drills allowed there. One line per check; exit 1 when any failed (or the config is invalid).
 * A protected or production-looking environment is reported as refused and never connected to.
 */
export async function liveCheckCommand(context: CliContext, configPath: string, environmentName: string | undefined): Promise<number> {
  const found = await validateFiles([configPath]);
  const problems = found.filter(isError);
  for (const warning of found.filter((problem) => !isError(problem))) context.out(`${formatProblem(warning)}\n`);
  if (problems.length) {
    for (const problem of problems) context.out(`${formatProblem(problem)}\n`);
    context.err(`${problems.length} problem(s); fix them first: the live check needs a valid config\n`);
    return 1;
  }
  const catalogue = await loadCatalogueOrExplain(context, configPath);
  const names = Object.keys(catalogue.config.environments);
  if (environmentName !== undefined && !ownValue(catalogue.config.environments, environmentName)) {
    throw new UserError(joinParts(`unknown environment "${environmentName}"`, didYouMean(environmentName, names), `environments in ${configPath}: ${names.join(', ') || 'none'}`));
  }
  const counts: Record<CheckLine['status'], number> = { ok: 0, failed: 0, refused: 0, skipped: 0 };
  // A refused environment is one firedrill never drills: saying so is not a failure. A refused
  // database or cluster inside an allowed environment is: its drills would be refused.
  let failed = 0;
  let environmentLevel = false;
  const deps: LiveCheckDeps = {
    ports: liveCheckPorts({ configDir: catalogue.configDir, configPath, env: context.env, trust: catalogue.config.trust, timeoutMs: PROBE_TIMEOUT_MS }),
    configDir: catalogue.configDir,
    env: context.env,
    timeoutMs: PROBE_TIMEOUT_MS,
    report(line) {
      counts[line.status]++;
      if (line.status === 'failed' || (line.status === 'refused' && !environmentLevel)) failed++;
      context.out(`${formatCheckLine(line)}\n`);
    },
  };

  const shared = configSecrets(catalogue);
  if (shared.length) {
    context.out(`${configPath}\n`);
    await checkSecrets(shared, deps);
  }
  const chosen = environmentName === undefined ? names : [environmentName];
  if (chosen.length === 0) context.err(`${configPath} has no environments: nothing to check live\n`);
  for (const name of chosen) {
    const drills = drillsAllowedIn(catalogue, name);
    const plan = planEnvironmentChecks(catalogue, name, drills);
    context.out(`${name}: ${drills.length} drill(s) allowed${drills.length ? `: ${drills.map((drill) => drill.id).join(', ')}` : ''}\n`);
    environmentLevel = plan.refusal !== undefined;
    await checkEnvironment(plan, deps);
    environmentLevel = false;
  }
  const summary = [`${counts.ok} ok`, `${counts.failed} failed`, counts.refused && `${counts.refused} refused`, counts.skipped && `${counts.skipped} skipped`].filter(Boolean).join(', ');
  context.err(`live check: ${summary}\n`);
  return failed ? 1 : 0;
}
