import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time (user + system, ms) a process and everything below it have used so far, from
 * /proc: its own, its reaped children's (cutime, cstime) and its live descendants'. Read
 * before and after a piece of work, the difference is what the tree spent on it, whatever else
 * the machine was doing. Linux only; undefined elsewhere or when the process is gone.
 */
export function processTreeCpuMs(pid: number): number | undefined {
  try {
    let ms = ownAndReapedTicks(pid) * TICK_MS;
    for (const child of descendants(pid)) ms += processTreeCpuMs(child) ?? 0;
    return ms;
  } catch {
    return undefined;
  }
}

/** Child processes of `pid` whose command line contains `text`. */
export function childrenMatching(pid: number, text: string): number[] {
  return descendants(pid).filter((child) => {
    try {
      return readFileSync(`/proc/${child}/cmdline`, 'utf8').includes(text);
    } catch {
      return false;
    }
  });
}

/** The kernel's clock ticks are 10 ms on every Linux this runs on (USER_HZ = 100). */
const TICK_MS = 10;

function ownAndReapedTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): state is field 3, utime field 14.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
}

function descendants(pid: number): number[] {
  const children: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const listed = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (listed) children.push(...listed.split(/\s+/).map(Number));
    } catch {
      // The thread ended meanwhile.
    }
  }
  return children;
}
