import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The checkout's root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The command line that runs the CLI from source: node with its arguments. */
export const CLI_COMMAND: readonly string[] = [process.execPath, '--import', 'tsx', CLI];

/** Starts the real CLI from source in a child process (so a test can kill it, or write to its stdin with `stdin: 'pipe'`). */
export function spawnCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; stdin?: 'pipe' } = {}): ChildProcess {
  return spawn(CLI_COMMAND[0]!, [...CLI_COMMAND.slice(1), ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, FIREDRILL_LOG_LEVEL: 'warn', ...options.env },
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
  });
}

export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  const child = spawnCli(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
