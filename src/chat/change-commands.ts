import { effectiveDrill } from '../catalogue/load.js';
import { randomSeed } from '../catalogue/pick.js';
import type { Arrival } from '../engine/arrival.js';
import { reportSignal, type PersonSignal } from '../engine/person-signals.js';
import { UserError } from '../errors.js';
import { selectDrill } from '../schedule/select-drill.js';
import type { Schedule } from '../schedule/schedule-schema.js';
import type { ChatRequest } from './adapter.js';
import { resolveEnvironment, type ChatDeps } from './context.js';
import { textMessage, type ChatMessage } from './message.js';
import { chatActor, requirePermission } from './permissions.js';
import { short } from './run-message.js';
import { startRun, type StartedRun } from './start-run.js';

const DEFAULT_COOLDOWN_MS = 7 * 86_400_000;

/** `run <drill> [env]`: the run's live message is the answer. */
export async function runCommand(deps: ChatDeps, request: ChatRequest, drillId: string, environmentName: string | undefined): Promise<StartedRun> {
  const [name, environment] = resolveEnvironment(deps.catalogue, environmentName);
  requirePermission('run', request.user, request.channel, name, environment);
  const drill = effectiveDrill(deps.catalogue, drillId, name);
  return startRun(deps, { drill, environmentName: name, environment, request });
}

/** `random [env]`: a weighted random pick that skips drills run within the cooldown, and why. */
export async function randomCommand(deps: ChatDeps, request: ChatRequest, environmentName: string | undefined): Promise<StartedRun> {
  const [name, environment] = resolveEnvironment(deps.catalogue, environmentName);
  requirePermission('run', request.user, request.channel, name, environment);
  // The same selection as scheduled drills, so chat and schedules explain picks alike.
  const schedule: Schedule = {
    name: 'chat',
    cron: '* * * * *',
    timezone: 'UTC',
    environment: name,
    pick: 'random',
    cooldown: environment.chat?.cooldown ?? DEFAULT_COOLDOWN_MS,
    postpone: { delay: 0, maxTimes: 0 },
    blackout: [],
  };
  const recent = await deps.store.list({ environment: name, limit: 200 });
  const selection = selectDrill(schedule, deps.drillsIn(name), recent, new Date(), randomSeed());
  if (!selection.drill) throw new UserError(selection.reason, 'run one by name with: run <drill> [env]');
  return startRun(deps, { drill: selection.drill, environmentName: name, environment, request, preface: selection.reason });
}

/** `detected`, `recovered`, `abort`, `approve`: a person's signal, checked and journaled by the core. */
export async function signalCommand(deps: ChatDeps, request: ChatRequest, kind: PersonSignal, prefix: string | undefined, arrival?: Arrival): Promise<ChatMessage> {
  const { label } = request.user;
  const outcome = await reportSignal(deps, chatActor(request, deps.adapter.platform), kind, prefix, arrival);
  const title = `${outcome.run.drill} in ${outcome.run.environment} (run ${short(outcome.run.id)})`;
  switch (outcome.kind) {
    case 'detection-ignored':
      return textMessage(`Detected: noted for ${title}, but not counted`, [outcome.reason], 'warning');
    case 'detected': {
      const note = outcome.beforeInjection ? '; the fault is not in effect yet, so it does not count as detection' : '';
      return textMessage(`Detected: recorded for ${title} by ${label} at ${outcome.at.at.slice(11, 19)} UTC${note}`);
    }
    case 'recovered':
      return textMessage(`Recovered: noted for ${title} by ${label}`, ['the RTO ends when the steady-state probes stay green; they confirm it']);
    case 'abort': {
      const undo = outcome.undo.map((description) => `undoing: ${description}`);
      return textMessage(`Abort: requested for ${title} by ${label}`, undo.length ? undo : ['nothing was injected yet: nothing to undo'], 'warning');
    }
    case 'approve':
      return textMessage(`Approved: ${title} by ${label}`, [], 'good');
  }
}
