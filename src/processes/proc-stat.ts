import { readdir, readFile } from 'node:fs/promises';

/** The fields of /proc/<pid>/stat that tell whose process this is and whether it still runs. */
export interface ProcStat {
  pid: number;
  /** R, S, D, ... ; Z for a zombie (dead, not yet reaped), X for one being removed. */
  state: string;
  pgrp: number;
  session: number;
  /** Field 22: when the process started, in clock ticks since boot. A reused pid has a later one. */
  startTicks: string;
}

/**
 * Parses one /proc/<pid>/stat line. The command name (field 2) is in parentheses and may hold
 * spaces and parentheses itself, so fields are counted from the last `)`.
 */
export function parseProcStat(pid: number, text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  // fields[0] is field 3 (state): field N is fields[N - 3].
  const fields = text.slice(close + 2).trim().split(' ');
  const [state, pgrp, session, startTicks] = [fields[0], fields[2], fields[3], fields[19]];
  if (!state || !pgrp || !session || !startTicks) return undefined;
  return { pid, state, pgrp: Number(pgrp), session: Number(session), startTicks };
}

/** The process's stat, or undefined when it is gone or the system has no /proc (macOS). */
export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  try {
    return parseProcStat(pid, await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat, or null where there is no /proc or the process is already gone. */
export async function readStartTicks(pid: number): Promise<string | null> {
  return (await readProcStat(pid))?.startTicks ?? null;
}

let procPresent: Promise<boolean> | undefined;

/** Whether this system has a Linux /proc; asked once. */
export function hasProc(): Promise<boolean> {
  procPresent ??= readFile('/proc/self/stat', 'utf8').then(
    () => true,
    () => false,
  );
  return procPresent;
}

/** A zombie has ended; it stays listed until its parent reaps it, which an init without a reaper never does. */
export function isLive(stat: ProcStat): boolean {
  return stat.state !== 'Z' && stat.state !== 'X';
}

/** Every live process of process group `pgid`, read from /proc (callers check `hasProc` first). */
export async function liveGroupMembers(pgid: number): Promise<ProcStat[]> {
  const entries = await readdir('/proc');
  const stats = await Promise.all(entries.filter((name) => /^\d+$/.test(name)).map((name) => readProcStat(Number(name))));
  return stats.filter((stat): stat is ProcStat => stat !== undefined && stat.pgrp === pgid && isLive(stat));
}
