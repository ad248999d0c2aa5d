import type { Catalogue } from '../catalogue/load.js';
import type { ChatAdapter } from '../chat/adapter.js';
import type { ChatDeps, ChatSchedules } from '../chat/context.js';
import { Scheduler } from '../schedule/scheduler.js';
import { runtimeFactory, type OpenedStore } from '../compose/index.js';
import { planCommand } from './catalogue-commands.js';
import type { CliContext } from './context.js';
import { drillsAllowedIn } from './schedule-commands.js';

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
    runtimes: runtimeFactory({ configDir: catalogue.configDir, env: context.env, trust: catalogue.config.trust, configPath: catalogue.configPath }),
    log: context.log,
    adapter,
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

/**
 * Postpone and the incident switch without a running scheduler (the console): the schedule
 * state is in the store, so `firedrill serve` sees the change at its next tick.
 */
export function chatSchedules(catalogue: Catalogue, opened: OpenedStore, scheduler?: Scheduler): ChatSchedules {
  const postponer =
    scheduler ??
    new Scheduler({
      schedules: catalogue.config.schedules,
      store: opened.schedules,
      runs: opened.store,
      drillsFor: (environment) => drillsAllowedIn(catalogue, environment),
      startRun: () => undefined,
      announce: async () => undefined,
    });
  return {
    environmentOf: (name) => catalogue.config.schedules.find((schedule) => schedule.name === name)?.environment,
    postpone: (name, by) => postponer.postpone(name, by),
    incidents: opened.schedules,
  };
}
