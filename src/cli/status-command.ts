import { resolveRun } from '../engine/resolve-run.js';
import { activeRunLine, journalLines, runStatus } from '../scoring/run-status.js';
import { loadCatalogueOrExplain, openStoreAndRecover, type CliContext } from './context.js';

/**
 * `firedrill status`: the active runs and where each stands; `firedrill status <run>`: one
 * run's whole journal, active or finished, so a run that needs attention says why.
 */
export async function statusCommand(context: CliContext, configPath: string, runIdOrPrefix: string | undefined): Promise<number> {
  const catalogue = await loadCatalogueOrExplain(context, configPath);
  const opened = await openStoreAndRecover(context, catalogue);
  try {
    if (runIdOrPrefix !== undefined) {
      const run = await resolveRun(opened.store, runIdOrPrefix);
      const events = await opened.store.events(run.id);
      const { status } = runStatus(events);
      context.out(`run ${run.id}: ${run.drill} in ${run.environment}, started ${run.createdAt}\n${status}\n\n`);
      context.out(`${journalLines(events).join('\n')}\n`);
      return 0;
    }
    const active = await opened.store.active();
    if (active.length === 0) {
      context.out('no drill is running\n');
      return 0;
    }
    const now = Date.now();
    for (const run of active) context.out(`${activeRunLine(run, await opened.store.events(run.id), now)}\n`);
    return 0;
  } finally {
    await opened.close();
  }
}
