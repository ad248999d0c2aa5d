import type { Drill } from '../catalogue/drill-schema.js';
import type { Environment } from '../config/config-schema.js';
import type { RunEvent } from '../engine/events.js';
import { runDrill } from '../engine/run-drill.js';
import { reportInternalError, UndoIncompleteError } from '../errors.js';
import type { ChatRequest, MessageRef } from './adapter.js';
import type { ChatDeps } from './context.js';
import { liveUpdater } from './live-updater.js';
import { chatActor } from './permissions.js';
import { textMessage, type ChatMessage } from './message.js';
import { liveRunMessage, scorecardMessage } from './run-message.js';

/** Wrapped so that awaiting the start does not wait for the whole run. */
export interface StartedRun {
  done: Promise<void>;
}

export interface StartRequest {
  drill: Drill;
  environmentName: string;
  environment: Environment;
  request: ChatRequest;
  /** Said first in the live message, e.g. why `random` picked this drill. */
  preface?: string;
}

/**
 * Starts a run and returns at once; one message in the request's channel follows it,
 * updated from each journal event, and ends as the scorecard. Resolves when the run is over.
 */
export async function startRun(deps: ChatDeps, start: StartRequest): Promise<StartedRun> {
  const { adapter, log } = deps;
  const { request } = start;
  const withPreface = (message: ChatMessage): ChatMessage =>
    start.preface ? { ...message, lines: [start.preface, ...message.lines] } : message;
  const ref: MessageRef = await adapter.post(request.channel, withPreface(textMessage(`Starting ${start.drill.id} in ${start.environmentName}`)));
  const updater = liveUpdater<ChatMessage>(
    (message) => adapter.update(ref, message),
    (error) => log.warn({ err: error, platform: adapter.platform }, 'chat message update failed'),
  );
  const events: RunEvent[] = [];
  const run = runDrill(
    { store: deps.store, clock: deps.clock, runtimes: deps.runtimes },
    {
      drill: start.drill,
      environmentName: start.environmentName,
      environment: start.environment,
      requestedBy: request.user.label,
      requester: chatActor(request, adapter.platform).identity,
      approvalTimeoutMs: start.environment.chat?.approvalTimeout,
      interrupt: deps.stop,
      onEvent: (event, runId) => {
        events.push(event);
        updater.set(withPreface(liveRunMessage(runId, events)));
      },
    },
  );
  const done = run.then(
    async ({ scorecard }) => {
      updater.set(withPreface(scorecardMessage(scorecard, deps.catalogue.config.server.publicUrl)));
      await updater.flush();
    },
    async (error: unknown) => {
      if (error instanceof UndoIncompleteError) {
        // The live message already ends with NEEDS ATTENTION from the journal; it stays, as the run does.
        log.warn({ runId: error.runId, reason: error.message }, 'run needs attention: undo incomplete');
        updater.set(withPreface(liveRunMessage(error.runId, events)));
        await updater.flush();
        return;
      }
      // The run's own journal has the detail; chat gets a reference to find it in the log.
      const reference = reportInternalError(log, error, { drill: start.drill.id, environment: start.environmentName });
      updater.set(textMessage(`Drill ${start.drill.id} in ${start.environmentName}: internal error (reference ${reference})`, [], 'bad'));
      await updater.flush();
    },
  );
  return { done };
}
