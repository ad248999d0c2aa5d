import type { Probe } from '../engine/ports.js';

/** Green when the URL answers with `expectStatus`, or any 2xx/3xx, within the timeout. */
export function httpProbe(name: string, url: string, expectStatus: number | undefined, timeoutMs: number): Probe {
  return {
    name,
    async check() {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
        await response.body?.cancel();
        const ok = expectStatus === undefined ? response.status < 400 : response.status === expectStatus;
        return { ok, detail: `HTTP ${response.status}` };
      } catch (error) {
        return { ok: false, detail: error instanceof Error ? error.message : String(error) };
      }
    },
  };
}
