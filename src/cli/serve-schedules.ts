import { isUserError } from '../errors.js';
import type { Catalogue } from '../catalogue/load.js';
import { startRun } from '../chat/start-run.js';
import { textMessage, type ChatMessage } from '../chat/message.js';
import { runtimeFactoryFor, type OpenedStore } from '../compose/index.js';
import { runDrill } from '../engine/run-drill.js';
import type { Schedule } from '../schedule/schedule-schema.js';
import { Scheduler } from '../schedule/scheduler.js';
import type { CliContext } from './context.js';
import { drillsAllowedIn } from '../catalogue/effective.js';
import type { ServeChat } from './serve-chat.js';
import { ownValue } from '../catalogue/own.js';

/**
 * The scheduler of `firedrill serve`. Announcements and scheduled runs go to the schedule's
 * `channel` when a chat platform that owns it is running (the run gets its live message
 * there, like a run started from chat), and always to the log.
 */
export function serveScheduler(
  context: CliContext,
  catalogue: Catalogue,
  opened: OpenedStore,
  stop: AbortSignal,
  chat: () => ServeChat | undefined,
): { scheduler: Scheduler; runs: Set<Promise<unknown>> } {
  const runs = new Set<Promise<unknown>>();
  const track = (run: Promise<unknown>) => {
    runs.add(run);
    void run.finally(() => runs.delete(run));
  };
  const runtimes = runtimeFactoryFor(catalogue, context.env);
  const log = (text: string) => {
    context.log.info({ text }, 'schedule');
    context.err(`[schedule] ${text}\n`);
  };
  const owner = (schedule: Schedule) => (schedule.channel ? chat()?.ownerOf(schedule.channel) : undefined);

  const scheduler = new Scheduler({
    schedules: catalogue.config.schedules,
    store: opened.schedules,
    runs: opened.store,
    drillsFor: (environment) => drillsAllowedIn(catalogue, environment),
    async announce(schedule, text, kind) {
      log(text);
      const deps = owner(schedule);
      if (!deps || !schedule.channel) return;
      const message: ChatMessage = textMessage(`Scheduled drill: ${schedule.name}`, [text], kind === 'upcoming' ? 'warning' : 'info');
      if (kind === 'upcoming') message.actions = [{ kind: 'postpone', label: 'Postpone', target: schedule.name, style: 'default' }];
      await deps.adapter.post(schedule.channel, message).catch((error: unknown) => context.log.warn({ err: error, schedule: schedule.name }, 'schedule announcement failed'));
    },
    startRun(drill, schedule, reason) {
      const environment = ownValue(catalogue.config.environments, schedule.environment)!;
      const deps = owner(schedule);
      if (deps && schedule.channel) {
        const identity = { realm: 'schedule', id: schedule.name };
        const request = { text: '', user: { id: `schedule:${schedule.name}`, label: `schedule ${schedule.name}`, groups: [], identity }, channel: schedule.channel };
        track(startRun(deps, { drill, environmentName: schedule.environment, environment, request, preface: reason }).then((started) => started.done));
        return;
      }
      track(
        runDrill(
          { store: opened.store, clock: context.clock, runtimes },
          { drill, environmentName: schedule.environment, environment, requestedBy: `schedule ${schedule.name}`, requester: { realm: 'schedule', id: schedule.name }, interrupt: stop },
        ).then(
          ({ runId, scorecard }) => log(`${schedule.name}: run ${runId} of ${drill.id} finished: ${scorecard.outcome}${scorecard.reason ? ` (${scorecard.reason})` : ''}`),
          (error: unknown) =>
            isUserError(error)
              ? context.log.warn({ schedule: schedule.name, reason: error.message }, 'scheduled run needs attention')
              : context.log.error({ err: error, schedule: schedule.name }, 'scheduled run failed'),
        ),
      );
    },
  });
  return { scheduler, runs };
}
