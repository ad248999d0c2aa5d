import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { formatDuration } from '../catalogue/duration.js';
import type { ProcessRole } from '../engine/events.js';
import type { ProcessJournal } from '../engine/ports.js';
import { endProcessGroup, type GroupEnding } from '../processes/process-group.js';
import { readStartTicks } from '../processes/proc-stat.js';
import { OutputTail } from './output-tail.js';

export interface ShellResult {
  ok: boolean;
  durationMs: number;
  /** `exit N`, or what ended it (a timeout, an abort). */
  status: string;
  /** The last lines of its output: enough to see why it failed, too little to page through a plan. */
  tail: string;
}

/** Where and how a run's commands run: one per file that names commands (a drill file, the config). */
export interface Shell {
  /** Relative paths in the commands resolve here: the folder of the file that names them. */
  cwd: string;
  /** The command's whole environment, FIREDRILL_RUN_ID and the others included. */
  env: NodeJS.ProcessEnv;
  /** Each command is journaled here before it runs, and again once its process group is gone. */
  processes: ProcessJournal;
  /** Between SIGTERM and SIGKILL when firedrill ends a command (abort, timeout). */
  graceMs: number;
}

export interface ShellOptions {
  role: ProcessRole;
  timeoutMs: number;
  /** Ends the command, its whole process group, early; the result's status is then `aborted`. */
  signal?: AbortSignal;
  tailLines?: number;
}

/**
 * The shell waits for one line on stdin before it runs the command, and firedrill writes it only
 * once the journal holds the process: a command never does anything crash recovery cannot see.
 * If firedrill dies before, stdin closes and the command never runs.
 */
const GATE = 'IFS= read -r go && [ "$go" = go ] || exit 125; exec /bin/sh -c "$1"';

/** Once the process group is gone, how long output still in flight may take to arrive. */
const OUTPUT_DRAIN_MS = 1_000;

type Exit = { code: number | null; signal: NodeJS.Signals | null };

/**
 * Runs `command` with /bin/sh in a process group of its own, so that it and everything it
 * starts can be ended together; journaled as it starts and once the group is gone. Resolves
 * only when none of the group runs any more. Never throws for a failing command, only reports it.
 */
export async function runShellCommand(command: string, shell: Shell, options: ShellOptions): Promise<ShellResult> {
  const startedAt = performance.now();
  const result = (ok: boolean, status: string, tail = ''): ShellResult => ({ ok, durationMs: Math.round(performance.now() - startedAt), status, tail });
  if (options.signal?.aborted) return result(false, 'aborted');

  const child = spawn('/bin/sh', ['-c', GATE, 'firedrill', command], { cwd: shell.cwd, env: shell.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  const spawnFailed = new Promise<Error>((resolve) => child.on('error', resolve));
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.stdin.on('error', () => undefined);
  const pid = child.pid;
  if (pid === undefined) return result(false, await whyNotStarted(shell.cwd, await spawnFailed));
  const output = new OutputTail(child);

  try {
    await shell.processes.started({ role: options.role, command, pid, startTicks: await readStartTicks(pid) });
  } catch (error) {
    await endProcessGroup(pid, 0);
    return result(false, `not run: the journal could not record it (${messageOf(error)})`);
  }
  // Without the line (an abort came while it was being journaled) the shell exits without running it.
  child.stdin.end(options.signal?.aborted ? '' : 'go\n');

  const ending = await endWhenDone(pid, exited, shell.graceMs, options);
  await output.drained(ending.group.gone ? OUTPUT_DRAIN_MS : 0);
  const tail = output.tail(options.tailLines ?? 3);
  const journaled = ending.group.how === 'already gone' ? ending.status : `${ending.status} (${ending.group.how})`;
  // A group that still runs stays open in the journal, so that the rollback tries again to end it.
  if (!ending.group.gone) return result(false, journaled, tail);
  try {
    await shell.processes.ended(pid, journaled);
  } catch (error) {
    return result(false, `${ending.status}, but the journal could not record its end (${messageOf(error)})`, tail);
  }
  return result(ending.ok, ending.status, tail);
}

interface Ending {
  ok: boolean;
  status: string;
  group: GroupEnding;
}

/**
 * Waits for the shell to exit, the timeout or the abort, whichever comes first; then ends what
 * is left of the group (a background job), so that `process-ended` means none of it runs.
 */
async function endWhenDone(pid: number, exited: Promise<Exit>, graceMs: number, options: ShellOptions): Promise<Ending> {
  let timer: NodeJS.Timeout | undefined;
  const onAbort = new AbortController();
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), options.timeoutMs)));
  const aborted = new Promise<'abort'>((resolve) => {
    if (options.signal?.aborted) return resolve('abort');
    options.signal?.addEventListener('abort', () => resolve('abort'), { once: true, signal: onAbort.signal });
  });
  try {
    const first = await Promise.race([exited, timedOut, aborted]);
    const group = await endProcessGroup(pid, graceMs);
    if (first === 'timeout') return { ok: false, status: `killed after the ${formatDuration(options.timeoutMs)} timeout`, group };
    if (first === 'abort') return { ok: false, status: 'aborted', group };
    if (first.signal) return { ok: false, status: `killed by ${first.signal}`, group };
    return { ok: first.code === 0, status: `exit ${first.code ?? '?'}`, group };
  } finally {
    clearTimeout(timer);
    onAbort.abort();
  }
}

/** `exit 0 after 1.2s`, and for a failure its last lines too: for the journal. */
export function describeShellResult(result: ShellResult): string {
  const seconds = `${(result.durationMs / 1000).toFixed(1)}s`;
  return result.ok || !result.tail ? `${result.status} after ${seconds}` : `${result.status} after ${seconds}: ${result.tail}`;
}

/** Node says `spawn /bin/sh ENOENT` for a missing folder too: say which one is missing. */
async function whyNotStarted(cwd: string, error: Error): Promise<string> {
  const folder = await stat(cwd).then((found) => found.isDirectory(), () => false);
  if (!folder) return `not run: its folder ${cwd} does not exist (a command runs in the folder of the file that names it); create it or move the file back`;
  return `not run: /bin/sh could not start in ${cwd} (${error.message})`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
