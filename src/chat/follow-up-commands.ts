import { addAction, addLearning, markActionDone, type ActionRequest } from '../followups/add-follow-ups.js';
import type { ChatRequest } from './adapter.js';
import type { ChatDeps } from './context.js';
import { textMessage, type ChatMessage } from './message.js';
import { chatActor } from './permissions.js';
import { short } from './run-message.js';

/** `learned <run> <text>`. */
export async function learnedCommand(deps: ChatDeps, request: ChatRequest, run: string, text: string): Promise<ChatMessage> {
  const added = await addLearning(deps, chatActor(request, deps.adapter.platform), run, text);
  return textMessage(`Learning added to ${added.run.drill} in ${added.run.environment} (run ${short(added.run.id)})`, [added.text], 'good');
}

/** `action <run> <text> [@owner] [due <date>]`. */
export async function actionCommand(deps: ChatDeps, request: ChatRequest, run: string, action: ActionRequest): Promise<ChatMessage> {
  const added = await addAction(deps, chatActor(request, deps.adapter.platform), run, action);
  const { id, text, owner, due } = added.action;
  return textMessage(
    `Action ${id} added to ${added.run.drill} in ${added.run.environment} (run ${short(added.run.id)})`,
    [text, `owner: ${owner ?? 'nobody yet'}; due: ${due ?? 'no date'}`, `when it is done: done ${id}`],
    'good',
  );
}

/** `done <action>`: saying it twice is fine. */
export async function doneCommand(deps: ChatDeps, request: ChatRequest, actionId: string): Promise<ChatMessage> {
  const { action, alreadyDone } = await markActionDone(deps, chatActor(request, deps.adapter.platform), actionId);
  if (alreadyDone) return textMessage(`Action ${action.id} was already done`, [`${action.text}`, `done by ${action.doneBy} at ${action.doneAt}`]);
  return textMessage(`Action ${action.id} done`, [action.text, `run ${short(action.runId)}`], 'good');
}
