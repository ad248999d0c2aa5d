import type { Probe } from '../engine/ports.js';
import { runShellCommand } from './shell-command.js';

/** Green when the shell command exits 0 within the timeout; `cwd` is the config file's folder. */
export function commandProbe(name: string, command: string, timeoutMs: number, cwd?: string): Probe {
  return {
    name,
    async check() {
      const result = await runShellCommand(command, { timeoutMs, cwd, tailLines: 1 });
      return { ok: result.ok, detail: result.tail || result.status };
    },
  };
}
