import { endProcessGroup, groupAlive } from '../processes/process-group.js';
import { hasProc, liveGroupMembers, readProcStat } from '../processes/proc-stat.js';
import type { EventOf, RunEvent } from './events.js';
import type { ProcessJournal } from './ports.js';

/** Between SIGTERM and SIGKILL, unless the environment says otherwise (`commandGrace`). */
export const DEFAULT_PROCESS_GRACE_MS = 5_000;

export type OwnedProcessOutcome = 'ended' | 'gone' | 'not-ours' | 'unverifiable';

export interface OwnedProcessReport {
  pid: number;
  command: string;
  outcome: OwnedProcessOutcome;
  /** As journaled in its `process-ended`. */
  status: string;
}

/** Commands whose `process-started` has no `process-ended` after it: they may still run. */
export function unendedProcesses(events: readonly RunEvent[]): EventOf<'process-started'>[] {
  const open = new Map<number, EventOf<'process-started'>>();
  for (const event of [...events].sort((a, b) => a.seq - b.seq)) {
    if (event.type === 'process-started') open.set(event.pid, event);
    if (event.type === 'process-ended') open.delete(event.pid);
  }
  return [...open.values()];
}

/**
 * Before an undo runs, ends every command of the run that may still run: after a crash, an
 * orphaned inject could otherwise finish after its undo and leave the fault in place. Each
 * process group is ended only if it is provably the one journaled (same start time), with
 * SIGTERM, `graceMs`, then SIGKILL, and waited for; each is then journaled as ended.
 * Throws when a group survives SIGKILL: the undo must not run while it does.
 */
export async function endOwnedProcesses(
  events: readonly RunEvent[],
  record: ProcessJournal,
  options: { graceMs?: number } = {},
): Promise<OwnedProcessReport[]> {
  const graceMs = options.graceMs ?? DEFAULT_PROCESS_GRACE_MS;
  // At once rather than one by one: the grace periods overlap instead of adding up.
  const results = await Promise.all(unendedProcesses(events).map((started) => endIfOurs(started, graceMs)));
  for (const result of results) if (result.report) await record.ended(result.report.pid, result.report.status);
  const stuck = results.flatMap((result) => result.stuck ?? []);
  if (stuck.length > 0) throw new Error(`the undo waits until these commands are gone: ${stuck.join('; ')}; then run \`firedrill recover\``);
  return results.flatMap((result) => result.report ?? []);
}

type Ownership = { ours: true } | { ours: false; outcome: Exclude<OwnedProcessOutcome, 'ended'>; status: string };

async function endIfOurs(started: EventOf<'process-started'>, graceMs: number): Promise<{ report?: OwnedProcessReport; stuck?: string }> {
  const { pid, command } = started;
  const ownership = await ownershipOf(started);
  if (!ownership.ours) return { report: { pid, command, outcome: ownership.outcome, status: ownership.status } };
  const ending = await endProcessGroup(pid, graceMs);
  if (!ending.gone) return { stuck: `process group ${pid} (${started.role} command \`${command}\`) is ${ending.how}` };
  const gone = ending.how === 'already gone';
  return {
    report: {
      pid,
      command,
      outcome: gone ? 'gone' : 'ended',
      status: gone ? 'already gone (firedrill stopped before it could journal the end)' : `${ending.how} before the undo (firedrill had stopped while it ran)`,
    },
  };
}

/**
 * Whether process group `pid` is still the one the journal names. A pid is reused once its
 * process and group are gone, so the start time decides; a group whose shell has ended
 * keeps the pid from reuse while any process of it runs.
 */
async function ownershipOf(started: EventOf<'process-started'>): Promise<Ownership> {
  const { pid, startTicks } = started;
  if (!(await groupAlive(pid))) return { ours: false, outcome: 'gone', status: 'already gone (firedrill stopped before it could journal the end)' };
  if (startTicks === null || !(await hasProc())) {
    return {
      ours: false,
      outcome: 'unverifiable',
      status: `not ended: without a start time from /proc, process group ${pid} cannot be told from a later one that reuses its number; if \`${started.command}\` still runs, end it by hand`,
    };
  }
  const leader = await readProcStat(pid);
  if (leader) {
    if (leader.startTicks === startTicks) return { ours: true };
    return { ours: false, outcome: 'not-ours', status: `not ended: pid ${pid} is now another process (started at tick ${leader.startTicks}, ours at ${startTicks})` };
  }
  // The shell has ended but processes it started remain in its group. Ours were started after
  // it, in its session (a detached command leads a session of its own).
  const members = await liveGroupMembers(pid);
  const ours = members.every((member) => member.session === pid && BigInt(member.startTicks) >= BigInt(startTicks));
  if (ours) return { ours: true };
  return { ours: false, outcome: 'not-ours', status: `not ended: process group ${pid} now holds processes that started before ours or in another session` };
}
