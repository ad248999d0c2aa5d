import { drillsAllowedIn } from '../catalogue/effective.js';
import type { Catalogue } from '../catalogue/load.js';
import type { ChatAdapter } from '../chat/adapter.js';
import type { ChatDeps, ChatSchedules } from '../chat/context.js';
import { redactingAdapter } from '../chat/redacting-adapter.js';
import type { Clock } from '../engine/clock.js';
import type { Logger } from '../log.js';
import { postponer } from '../schedule/postponer.js';
import type { Scheduler } from '../schedule/scheduler.js';
import { runtimeFactoryFor, type OpenedStore } from './index.js';

/** What the wiring reads of the process: its environment, logger and clock (a CLI context has them). */
export interface ProcessContext {
  env: NodeJS.ProcessEnv;
  log: Logger;
  clock: Clock;
}

/** What the chat commands need, wired from the loaded config and the opened store (the terminal chat and `serve` share it). */
export function chatDeps(
  context: ProcessContext,
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
    stop,
    schedules,
  };
}

/** Postpone and the incident switch for chat: through `serve`'s scheduler, else a postpone-only one. */
export function chatSchedules(catalogue: Catalogue, opened: OpenedStore, scheduler: Pick<Scheduler, 'postpone'> = schedulePostponer(catalogue, opened)): ChatSchedules {
  return {
    postpone: (name, by) => scheduler.postpone(name, by),
    incidents: opened.schedules,
  };
}

/** The config's schedules on the opened store, able only to postpone (no `serve` running here). */
export function schedulePostponer(catalogue: Catalogue, opened: OpenedStore): Pick<Scheduler, 'postpone'> {
  return postponer({
    schedules: catalogue.config.schedules,
    store: opened.schedules,
    runs: opened.store,
    drillsFor: (environment) => drillsAllowedIn(catalogue, environment),
  });
}
