import { effectiveDrill, type Catalogue } from '../catalogue/load.js';
import { ownValue } from '../catalogue/own.js';
import { runtimeFactoryFor, type OpenedStore } from '../compose/index.js';
import { TakeoverLoop } from '../engine/takeover-loop.js';
import type { CliContext } from './context.js';

/** The takeover of `firedrill serve`: every replica watches for orphaned runs, the leader takes them over. */
export function serveTakeover(context: CliContext, catalogue: Catalogue, opened: OpenedStore, owner: string, leads: () => boolean, stop: AbortSignal): TakeoverLoop {
  return new TakeoverLoop(
    {
      store: opened.store,
      clock: context.clock,
      runtimes: runtimeFactoryFor(catalogue, context.env),
      owner,
      environmentNamed: (name) => ownValue(catalogue.config.environments, name),
      drillFor: (run) => {
        try {
          return effectiveDrill(catalogue, run.drill, run.environment);
        } catch {
          return undefined;
        }
      },
      stop,
    },
    {
      leads,
      report: (report) => {
        context.log.info({ ...report }, 'run taken over');
        context.err(`takeover: run ${report.runId} (${report.drill} in ${report.environment}): ${report.result}: ${report.detail}\n`);
      },
      failed: (error, run) => context.log.error({ err: error, runId: run.id }, 'takeover failed'),
    },
  );
}
