import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Whether `pid` still runs. A zombie has ended: it counts as gone (this machine's init does not
 * reap orphans, so their zombies stay listed).
 */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Field 22 of /proc/<pid>/stat: when the process started. */
export function startTicksOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

/** The file's content once it exists and ends with a newline (written whole); fails after `timeoutMs`. */
export async function waitForFile(file: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(file, 'utf8').catch(() => '');
    if (text.endsWith('\n')) return text;
    if (Date.now() > deadline) throw new Error(`${file} did not appear within ${timeoutMs / 1000}s`);
    await sleep(20);
  }
}

/** Reads a pid a test command wrote into `file`. */
export async function pidIn(file: string): Promise<number> {
  return Number((await waitForFile(file)).trim());
}

/** Clean-up after a failed test: ends the processes it started that may still run. */
export function killIfRunning(pids: Iterable<number>): void {
  for (const pid of pids) {
    if (!isRunning(pid)) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone in the meantime.
    }
  }
}

/**
 * A shell function for test commands: `running PID` succeeds while PID runs (not a zombie).
 * Commands use it to report, from inside a run, whether another command's processes are gone.
 */
export const RUNNING_FUNCTION = `running() { s=$(cut -d' ' -f3 /proc/$1/stat 2>/dev/null); [ -n "$s" ] && [ "$s" != Z ]; }`;
