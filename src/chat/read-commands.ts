import { formatDuration } from '../catalogue/duration.js';
import { UserError } from '../errors.js';
import { USAGE, type CommandKind } from './commands.js';
import { resolveEnvironment, resolveRun, type ChatDeps } from './context.js';
import { textMessage, type ChatMessage } from './message.js';
import { activeRunLine } from '../scoring/run-status.js';
import { historyFilterOf, recentRunLine, recentRuns } from '../history/recent-runs.js';
import { planRun } from '../engine/plan.js';
import { planHeadline, planSteps } from '../engine/render-plan.js';
import { liveRunMessage, scorecardMessage } from './run-message.js';

const HELP: Record<CommandKind, string> = {
  help: 'this list',
  list: 'the drills: kind, severity, objectives',
  plan: 'dry run: every action a run would take; changes nothing',
  run: 'run a drill now; one message follows it to its scorecard',
  random: 'run a weighted random drill, skipping drills run recently',
  status: 'active runs: elapsed time, state, what the run waits for',
  detected: 'say you noticed the outage (sets the TTD)',
  recovered: 'say service is back (the probes confirm it)',
  abort: 'undo the fault now',
  approve: 'approve a run that needs a second person',
  scorecard: 'the scorecard of a run (default: the latest)',
  history: 'recent runs, for a drill or an environment',
  postpone: "move a schedule's next drill by its postpone delay",
  incident: 'while an incident is open, scheduled drills are skipped',
  learned: "add what the team learned to a run's report",
  action: "add an action item to a run's report, with an owner and a due date",
  done: 'mark an action item done',
};

export function helpMessage(): ChatMessage {
  return textMessage(
    'firedrill: disaster-recovery fire drills',
    (Object.keys(USAGE) as CommandKind[]).map((kind) => `${USAGE[kind]}: ${HELP[kind]}`),
  );
}

export function listMessage(deps: ChatDeps): ChatMessage {
  const lines = [...deps.catalogue.drills.values()].map(({ drill }) => {
    const objectives = Object.entries(drill.objectives)
      .filter(([, ms]) => ms !== undefined)
      .map(([name, ms]) => `${name.toUpperCase()} ${formatDuration(ms as number)}`)
      .join(', ');
    return `${drill.id}: ${drill.title} [${drill.kind}, ${drill.severity}] ${objectives}`;
  });
  const environments = Object.keys(deps.catalogue.config.environments);
  return textMessage(`${lines.length} drills; environments: ${environments.join(', ') || 'none'}`, lines);
}

/** The core's dry run (the same as `firedrill plan`), as a message. */
export async function planMessage(deps: ChatDeps, drill: string, environmentName: string | undefined): Promise<ChatMessage> {
  const [name] = resolveEnvironment(deps.catalogue, environmentName);
  const plan = await planRun(deps, drill, name);
  return textMessage(`Plan of ${plan.drill.id} in ${name} (dry run: nothing is changed)`, [planHeadline(plan), ...planSteps(plan)], plan.refusal ? 'warning' : 'info');
}

export async function statusMessage(deps: ChatDeps): Promise<ChatMessage> {
  const active = await deps.store.active();
  if (active.length === 0) return textMessage('No drill is running', ['start one with: run <drill> [env], or random [env]']);
  const now = Date.now();
  const lines = await Promise.all(active.map(async (run) => activeRunLine(run, await deps.store.events(run.id), now)));
  return textMessage(`${active.length} drill(s) running`, lines);
}

export async function scorecardReply(deps: ChatDeps, prefix: string | undefined): Promise<ChatMessage> {
  const run = prefix === undefined ? (await deps.store.list({ limit: 1 }))[0] : await resolveRun(deps.store, prefix);
  if (!run) throw new UserError('no runs yet', 'start one with: run <drill> [env]');
  const scorecard = await deps.store.scorecard(run.id);
  // A run still going has no scorecard yet: show where it stands instead.
  return scorecard ? scorecardMessage(scorecard, deps.catalogue.config.server.publicUrl) : liveRunMessage(run.id, await deps.store.events(run.id));
}

export async function historyMessage(deps: ChatDeps, filter: string | undefined, limit: number): Promise<ChatMessage> {
  const runs = await recentRuns(deps.store, { ...historyFilterOf(deps.catalogue, filter), limit });
  if (runs.length === 0) return textMessage(`No runs${filter ? ` for ${filter}` : ''} yet`);
  return textMessage(`Last ${runs.length} run(s)${filter ? ` for ${filter}` : ''}`, runs.map(recentRunLine));
}
