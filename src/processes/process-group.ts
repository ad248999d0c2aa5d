import { setTimeout as sleep } from 'node:timers/promises';
import { hasProc, liveGroupMembers } from './proc-stat.js';

/** How often a wait looks again: nothing tells a parent when a grandchild ends, so it looks. */
const POLL_MS = 25;
/** SIGKILL cannot be caught, but a process in uninterruptible sleep (a hung NFS write) ends only when that returns. */
const AFTER_KILL_WAIT_MS = 30_000;

export interface GroupEnding {
  /** True once no process of the group runs any more. */
  gone: boolean;
  /** For the journal: `ended by SIGTERM`, `ended by SIGKILL 5s after SIGTERM`, or why it still runs. */
  how: string;
}

/** Whether a process of the group still runs. Zombies do not count: an init that never reaps would keep them forever. */
export async function groupAlive(pgid: number): Promise<boolean> {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (!(await hasProc())) return true;
  return (await liveGroupMembers(pgid)).length > 0;
}

/** Resolves true once no process of the group runs, false if one still does after `timeoutMs`. */
export async function waitForGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (!(await groupAlive(pgid))) return true;
    if (performance.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}

/**
 * Ends a whole process group (a command's shell and everything it started): SIGTERM, `graceMs`
 * to finish cleanly, then SIGKILL; resolves only once none of it runs, so whatever comes next
 * (an undo) cannot race it.
 */
export async function endProcessGroup(pgid: number, graceMs: number): Promise<GroupEnding> {
  if (!(await groupAlive(pgid))) return { gone: true, how: 'already gone' };
  const refused = signalGroup(pgid, 'SIGTERM');
  if (await waitForGroupGone(pgid, graceMs)) return { gone: true, how: 'ended by SIGTERM' };
  const refusedKill = signalGroup(pgid, 'SIGKILL') ?? refused;
  if (await waitForGroupGone(pgid, AFTER_KILL_WAIT_MS)) return { gone: true, how: `ended by SIGKILL ${seconds(graceMs)} after SIGTERM` };
  return {
    gone: false,
    how: refusedKill
      ? `still running: firedrill may not signal it (${refusedKill}); end process group ${pgid} by hand (kill -KILL -- -${pgid} as its owner)`
      : `still running ${seconds(AFTER_KILL_WAIT_MS)} after SIGKILL (stuck in the kernel?); end process group ${pgid} by hand`,
  };
}

/** Sends `signal` to every process of the group; returns why it could not, if it could not. */
function signalGroup(pgid: number, signal: NodeJS.Signals): string | undefined {
  try {
    process.kill(-pgid, signal);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Gone in the meantime: nothing to end.
    if (code === 'ESRCH') return undefined;
    return `${signal}: ${code ?? String(error)}`;
  }
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))}s`;
}
