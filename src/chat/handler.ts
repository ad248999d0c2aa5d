import { arrivalNow, type Arrival } from '../engine/arrival.js';
import { isUserError, reportInternalError } from '../errors.js';
import type { ChatRequest } from './adapter.js';
import type { ChatCommandResult } from './chat-metrics.js';
import { randomCommand, runCommand, signalCommand } from './change-commands.js';
import { parseCommand, type ChatCommand } from './commands.js';
import { actionCommand, doneCommand, learnedCommand } from './follow-up-commands.js';
import { incidentCommand, postponeCommand } from './schedule-commands.js';
import type { ChatDeps } from './context.js';
import { textMessage, type ChatMessage } from './message.js';
import { helpMessage, historyMessage, listMessage, planMessage, scorecardReply, statusMessage } from './read-commands.js';

export interface ChatHandler {
  /** Answers one request; never throws (every failure becomes a reply and, if internal, a log line). */
  handle(request: ChatRequest): Promise<void>;
  /** Resolves when every run started from chat is over. */
  idle(): Promise<void>;
}

export function createChatHandler(deps: ChatDeps): ChatHandler {
  const runs = new Set<Promise<void>>();
  const track = (run: Promise<void>) => {
    runs.add(run);
    void run.finally(() => runs.delete(run));
  };

  async function execute(command: ChatCommand, request: ChatRequest, arrival: Arrival): Promise<ChatMessage | undefined> {
    switch (command.kind) {
      case 'help':
        return helpMessage();
      case 'list':
        return listMessage(deps);
      case 'plan':
        return planMessage(deps, command.drill, command.environment);
      case 'status':
        return statusMessage(deps);
      case 'scorecard':
        return scorecardReply(deps, command.run);
      case 'history':
        return historyMessage(deps, command.filter, command.limit);
      case 'run':
        track((await runCommand(deps, request, command.drill, command.environment)).done);
        return undefined;
      case 'random':
        track((await randomCommand(deps, request, command.environment)).done);
        return undefined;
      case 'detected':
      case 'recovered':
      case 'abort':
      case 'approve':
        return signalCommand(deps, request, command.kind, command.run, arrival);
      case 'postpone':
        return postponeCommand(deps, request, command.schedule);
      case 'incident':
        return incidentCommand(deps, request, command.action, command.reason);
      case 'learned':
        return learnedCommand(deps, request, command.run, command.text);
      case 'action':
        return actionCommand(deps, request, command.run, command);
      case 'done':
        return doneCommand(deps, request, command.action);
    }
  }

  async function answer(request: ChatRequest, arrival: Arrival): Promise<Answer> {
    const parsed = parseCommand(request.text);
    if (!parsed.ok) return { message: textMessage(parsed.error, [parsed.usage], 'warning'), command: 'unknown', result: 'unparsed' };
    const command = parsed.command.kind;
    const answerIn = deps.catalogue.config.chat?.answerIn;
    // The terminal is the operator's own: always answered.
    if (answerIn && isReadOnly(parsed.command) && request.channel !== 'console' && !answerIn.includes(request.channel)) {
      return { message: textMessage('firedrill does not answer questions in this channel', [`ask in: ${answerIn.join(', ')}`], 'warning'), command, result: 'refused' };
    }
    try {
      return { message: await execute(parsed.command, request, arrival), command, result: 'answered' };
    } catch (error) {
      if (isUserError(error)) return { message: textMessage(error.message, error.hint ? [error.hint] : [], 'warning'), command, result: 'refused' };
      // Never a stack trace in chat: a reference that finds the detail in the log.
      const reference = reportInternalError(deps.log, error, { command, channel: request.channel });
      return { message: textMessage(`internal error (reference ${reference})`, ['the firedrill log has the detail'], 'bad'), command, result: 'failed' };
    }
  }

  return {
    async handle(request) {
      // Stamped before any store or catalogue work: a "detected" counts from when it was said.
      const arrival = arrivalNow(deps.clock);
      const { message, command, result } = await answer(request, arrival);
      deps.metrics?.command(deps.adapter.platform, command, result);
      if (!message) return;
      try {
        await deps.adapter.reply(request, message);
      } catch (error) {
        deps.metrics?.replyFailed(deps.adapter.platform);
        deps.log.error({ err: error, platform: deps.adapter.platform, channel: request.channel }, 'chat reply failed');
      }
    },
    async idle() {
      while (runs.size) await Promise.allSettled([...runs]);
    },
  };
}

interface Answer {
  message: ChatMessage | undefined;
  /** The command's kind, or `unknown` when the text is not a command. */
  command: string;
  result: ChatCommandResult;
}

const READ_ONLY = new Set<ChatCommand['kind']>(['help', 'list', 'plan', 'status', 'scorecard', 'history']);

function isReadOnly(command: ChatCommand): boolean {
  return READ_ONLY.has(command.kind) || (command.kind === 'incident' && command.action === 'status');
}
