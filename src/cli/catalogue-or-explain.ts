import { loadCatalogue, type Catalogue } from '../catalogue/load.js';
import { formatProblem } from '../catalogue/problems.js';
import { UserError } from '../errors.js';
import { learnSecretsInForce } from '../secrets/in-force.js';
import type { CliContext } from './cli-context.js';

/** Loads the config and its drills, and teaches the redactor every secret they name before anything runs. */
export async function loadCatalogueOrExplain(context: CliContext, configPath: string): Promise<Catalogue> {
  const result = await loadCatalogue(configPath);
  if (result.ok) {
    await learnSecretsInForce(result.catalogue.config, result.catalogue.configDir, context.env);
    return result.catalogue;
  }
  throw new UserError(
    `${configPath} has ${result.problems.length} problem(s):\n${result.problems.map(formatProblem).join('\n')}`,
    `fix them, then check with: firedrill validate ${configPath}`,
  );
}
