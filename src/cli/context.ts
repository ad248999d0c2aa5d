import type { Catalogue } from '../catalogue/load.js';
import { openStore, runtimeFactoryFor, type OpenedStore } from '../compose/index.js';
import { recoverUnfinishedRuns, type RecoveryOptions } from '../engine/recover.js';
import { ownValue } from '../catalogue/own.js';
import type { CliContext } from './cli-context.js';

export type { CliContext } from './cli-context.js';
export { loadCatalogueOrExplain } from './catalogue-or-explain.js';

/** Opens the store and, first of all, rolls back whatever a crashed run left behind. */
export async function openStoreAndRecover(context: CliContext, catalogue: Catalogue, recovery: RecoveryOptions = {}): Promise<OpenedStore> {
  const opened = await openStore(catalogue.config.store.url, { configDir: catalogue.configDir, env: context.env, configPath: catalogue.configPath });
  try {
    const reports = await recoverUnfinishedRuns(
      opened.store,
      context.clock,
      runtimeFactoryFor(catalogue, context.env),
      (name) => ownValue(catalogue.config.environments, name),
      recovery,
    );
    for (const report of reports) {
      if (report.result === 'owned-elsewhere') continue;
      context.err(`recovery: run ${report.runId} (${report.drill} in ${report.environment}): ${report.result}: ${report.detail}\n`);
    }
  } catch (error) {
    await opened.close();
    throw error;
  }
  return opened;
}
