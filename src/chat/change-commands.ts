import { effectiveDrill } from '../catalogue/load.js';
import { randomSeed } from '../catalogue/pick.js';
import { findEvent, findEvents, type EventBody } from '../engine/events.js';
import { UserError } from '../errors.js';
import { selectDrill } from '../schedule/select-drill.js';
import type { Schedule } from '../schedule/schedule-schema.js';
import type { ChatRequest } from './adapter.js';
import { resolveEnvironment, resolveRun, type ChatDeps } from './context.js';
import { textMessage, type ChatMessage } from './message.js';
import { requirePermission } from './permissions.js';
import { short } from './run-message.js';
import { startRun, type StartedRun } from './start-run.js';
import { ownValue } from '../catalogue/own.js';

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

/** `detected`, `recovered`, `abort`, `approve`: a person's signal, appended to the run's journal. */
export async function signalCommand(
  deps: ChatDeps,
  request: ChatRequest,
  kind: 'detected' | 'recovered' | 'abort' | 'approve',
  prefix: string | undefined,
): Promise<ChatMessage> {
  const run = await resolveRun(deps.store, prefix);
  if (run.finishedAt) throw new UserError(`run ${short(run.id)} is already over (${run.outcome})`, `see it with: scorecard ${short(run.id)}`);
  const environment = ownValue(deps.catalogue.config.environments, run.environment);
  if (!environment) throw new UserError(`run ${short(run.id)} is in ${run.environment}, which the config no longer has`);
  const events = await deps.store.events(run.id);
  const requester = findEvent(events, 'run-created')?.requestedBy;
  const { user } = request;
  const permission = kind === 'detected' || kind === 'recovered' ? 'signal' : kind;
  requirePermission(permission, user, request.channel, run.environment, environment, requester);
  const now = deps.clock.now();
  const title = `${run.drill} in ${run.environment} (run ${short(run.id)})`;
  switch (kind) {
    case 'detected': {
      if (!countsChatDetection(deps, run.drill, run.environment)) {
        const reason = 'this drill counts only alerts as detection (detection.chat: false)';
        await deps.store.append(run.id, { type: 'signal-ignored', reason, by: { source: 'chat', name: user.label } }, now);
        return textMessage(`Detected: noted for ${title}, but not counted`, [reason], 'warning');
      }
      const injected = findEvent(events, 'injected');
      await deps.store.append(run.id, { type: 'detected', by: { source: 'chat', name: user.label } }, now);
      const note = injected ? '' : '; the fault is not in effect yet, so it does not count as detection';
      return textMessage(`Detected: recorded for ${title} by ${user.label} at ${now.at.slice(11, 19)} UTC${note}`);
    }
    case 'recovered': {
      // The journal has no "person says recovered" step: the probes decide recovery. The claim
      // is kept as a measurement so the scorecard shows who said so and when.
      const body: EventBody = { type: 'measured', name: `recovery reported by ${user.label}`, value: now.at };
      await deps.store.append(run.id, body, now);
      return textMessage(`Recovered: noted for ${title} by ${user.label}`, ['the RTO ends when the steady-state probes stay green; they confirm it']);
    }
    case 'abort': {
      await deps.store.append(run.id, { type: 'abort-requested', by: user.label, reason: `asked in chat (${request.channel})` }, now);
      const undo = findEvents(events, 'undo-recorded').map((event) => `undoing: ${event.undo.description}`);
      return textMessage(`Abort: requested for ${title} by ${user.label}`, undo.length ? undo : ['nothing was injected yet: nothing to undo'], 'warning');
    }
    case 'approve': {
      if (!findEvent(events, 'approval-requested')) throw new UserError(`run ${short(run.id)} is not waiting for approval`);
      if (findEvent(events, 'approved')) throw new UserError(`run ${short(run.id)} is already approved`);
      if (requester === user.label) throw new UserError('you requested this run: approval must come from a second person');
      await deps.store.append(run.id, { type: 'approved', by: user.label }, now);
      return textMessage(`Approved: ${title} by ${user.label}`, [], 'good');
    }
  }
}

/** Whether the drill lets a person's "detected" count; true when the catalogue no longer has it. */
function countsChatDetection(deps: ChatDeps, drillId: string, environment: string): boolean {
  try {
    return effectiveDrill(deps.catalogue, drillId, environment).detection.chat;
  } catch {
    return true;
  }
}
