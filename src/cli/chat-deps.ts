import type { Catalogue } from '../catalogue/load.js';
import type { ChatAdapter } from '../chat/adapter.js';
import type { ChatDeps, ChatSchedules } from '../chat/context.js';
import { redactingAdapter } from '../chat/redacting-adapter.js';
import type { Scheduler } from '../schedule/scheduler.js';
import { runtimeFactoryFor, type OpenedStore } from '../compose/index.js';
import { planCommand } from './catalogue-commands.js';
import type { CliContext } from './context.js';
import { drillsAllowedIn, postponer } from './schedule-commands.js';

/** What the chat commands need, wired from the CLI's pieces (console and `serve` share it). */
export function chatDeps(
  context: CliContext,
  catalogue: Catalogue,
  opened: OpenedStore,
  adapter: ChatAdapter,
  stop: AbortSignal,
  schedules: ChatSchedules = chatSchedules(catalogue, opened),
): ChatDeps {
  return {
    catalogue,
    store: opened.store,
    clock: context.clock,
    runtimes: runtimeFactoryFor(catalogue, context.env),
    log: context.log,
    adapter: redactingAdapter(adapter),
    drillsIn: (environment) => drillsAllowedIn(catalogue, environment),
    // The same plan as `firedrill plan`, collected as lines instead of printed.
    plan: async (drill, environment) => {
      let text = '';
      await planCommand({ ...context, out: (chunk) => (text += chunk) }, catalogue.configPath, drill, environment);
      return text.trimEnd().split('\n');
    },
    stop,
    schedules,
  };
}

/** Postpone and the incident switch for chat: through `serve`'s scheduler, else a postpone-only one. */
export function chatSchedules(catalogue: Catalogue, opened: OpenedStore, scheduler: Pick<Scheduler, 'postpone'> = postponer(catalogue, opened)): ChatSchedules {
  return {
    environmentOf: (name) => catalogue.config.schedules.find((schedule) => schedule.name === name)?.environment,
    postpone: (name, by) => scheduler.postpone(name, by),
    incidents: opened.schedules,
  };
}
