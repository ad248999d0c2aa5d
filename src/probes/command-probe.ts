import { execFile } from 'node:child_process';
import type { Probe } from '../engine/ports.js';

/** Green when the shell command exits 0 within the timeout. */
export function commandProbe(name: string, command: string, timeoutMs: number): Probe {
  return {
    name,
    check: () =>
      new Promise((resolve) => {
        execFile('/bin/sh', ['-c', command], { timeout: timeoutMs }, (error, stdout, stderr) => {
          const output = `${stdout}${stderr}`.trim().split('\n').pop() ?? '';
          resolve(error ? { ok: false, detail: output || error.message } : { ok: true, detail: output || 'exit 0' });
        });
      }),
  };
}
