import type { Actor } from '../engine/actor.js';
import { addAction, addLearning, markActionDone, type ActionRequest } from '../followups/add-follow-ups.js';
import { loadCatalogueOrExplain, openStoreAndRecover, type CliContext } from './context.js';

/** `firedrill learned <run> <text...>`. */
export async function learnedCommand(context: CliContext, configPath: string, run: string, text: string, actor: Actor): Promise<number> {
  return withStore(context, configPath, async (deps) => {
    const added = await addLearning(deps, actor, run, text);
    context.err(`learning added to run ${added.run.id} (${added.run.drill} in ${added.run.environment})\n`);
  });
}

/** `firedrill action <run> <text...> [--owner @name] [--due YYYY-MM-DD]`: prints the new action's id. */
export async function actionCommand(context: CliContext, configPath: string, run: string, request: ActionRequest, actor: Actor): Promise<number> {
  return withStore(context, configPath, async (deps) => {
    const { action } = await addAction(deps, actor, run, request);
    context.out(`${action.id}\n`);
    context.err(`action ${action.id} added to run ${action.runId}; when it is done: firedrill done ${action.id}\n`);
  });
}

/** `firedrill done <action>`: saying it twice is fine. */
export async function doneCommand(context: CliContext, configPath: string, actionId: string, actor: Actor): Promise<number> {
  return withStore(context, configPath, async (deps) => {
    const { action, alreadyDone } = await markActionDone(deps, actor, actionId);
    context.err(alreadyDone ? `action ${action.id} was already done, by ${action.doneBy} at ${action.doneAt}\n` : `action ${action.id} done\n`);
  });
}

/** `firedrill actions [--all] [--env NAME] [--json]`: open action items, most pressing first. */
export async function actionsCommand(context: CliContext, configPath: string, options: { all?: boolean; env?: string; limit: number; json?: boolean }): Promise<number> {
  return withStore(context, configPath, async ({ store }) => {
    const actions = await store.actionItems({ open: options.all ? undefined : true, environment: options.env, limit: options.limit });
    if (options.json) return void context.out(`${JSON.stringify(actions, null, 2)}\n`);
    if (actions.length === 0) context.err(options.all ? 'no action items yet\n' : 'no open action items\n');
    for (const action of actions) {
      const state = action.doneAt ? `done ${action.doneAt.slice(0, 10)}` : 'open';
      context.out(`${action.id}  ${state.padEnd(15)}  due ${action.due ?? '-'.padEnd(10)}  ${(action.owner ?? '-').padEnd(12)}  run ${action.runId.slice(0, 8)}  ${action.text}\n`);
    }
  });
}

async function withStore(
  context: CliContext,
  configPath: string,
  work: (deps: Parameters<typeof addLearning>[0]) => Promise<void>,
): Promise<number> {
  const catalogue = await loadCatalogueOrExplain(context, configPath);
  const opened = await openStoreAndRecover(context, catalogue);
  try {
    await work({ catalogue, store: opened.store, clock: context.clock });
    return 0;
  } finally {
    await opened.close();
  }
}
