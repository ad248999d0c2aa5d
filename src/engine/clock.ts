import { randomUUID } from 'node:crypto';
import type { Instant } from './events.js';

export interface Clock {
  now(): Instant;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Wall clock for display, `performance.now()` for durations, one id per process. */
export function systemClock(): Clock {
  const clock = randomUUID();
  return {
    now: () => ({ at: new Date().toISOString(), mono: performance.now(), clock }),
    sleep: (ms, signal) =>
      new Promise((resolve) => {
        if (signal?.aborted) return resolve();
        const wake = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        const timer = setTimeout(wake, ms);
        signal?.addEventListener('abort', wake, { once: true });
      }),
  };
}
