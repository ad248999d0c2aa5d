import { execFile } from 'node:child_process';

export interface ShellResult {
  ok: boolean;
  durationMs: number;
  /** `exit N`, or what ended it (a timeout, an abort). */
  status: string;
  /** The last lines of its output: enough to see why it failed, too little to page through a plan. */
  tail: string;
}

export interface ShellOptions {
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  signal?: AbortSignal;
  tailLines?: number;
}

/** Runs `command` with /bin/sh; never throws for a failing command, only reports it. */
export function runShellCommand(command: string, options: ShellOptions): Promise<ShellResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      '/bin/sh',
      ['-c', command],
      { timeout: options.timeoutMs, env: options.env, cwd: options.cwd, signal: options.signal, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const tail = `${stdout}${stderr}`.trim().split('\n').slice(-(options.tailLines ?? 3)).join('\n');
        const durationMs = Math.round(performance.now() - started);
        if (!error) return resolve({ ok: true, durationMs, status: 'exit 0', tail });
        const failure = error as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
        const status =
          failure.name === 'AbortError'
            ? 'aborted'
            : failure.killed
              ? `killed after the ${Math.round(options.timeoutMs / 1000)}s timeout`
              : typeof failure.code === 'number'
                ? `exit ${failure.code}`
                : failure.message;
        resolve({ ok: false, durationMs, status, tail });
      },
    );
  });
}

/** `exit 0 after 1.2s`, and for a failure its last lines too: for the journal. */
export function describeShellResult(result: ShellResult): string {
  const seconds = `${(result.durationMs / 1000).toFixed(1)}s`;
  return result.ok || !result.tail ? `${result.status} after ${seconds}` : `${result.status} after ${seconds}: ${result.tail}`;
}
