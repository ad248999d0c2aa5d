import type { Probe } from '../engine/ports.js';
import { runShellCommand, type Shell } from './shell-command.js';

/** Green when the shell command exits 0 within the timeout; `shell` runs it in the drill file's folder. */
export function commandProbe(name: string, command: string, timeoutMs: number, shell: Shell): Probe {
  return {
    name,
    async check() {
      const result = await runShellCommand(command, shell, { role: 'probe', timeoutMs, tailLines: 1 });
      return { ok: result.ok, detail: result.tail || result.status };
    },
  };
}
