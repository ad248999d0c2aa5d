import type { Clock } from '../../src/engine/clock.js';

interface Sleeper {
  until: number;
  ms: number;
  wake: () => void;
}

/**
 * A clock that moves only when the test says so: code under test that sleeps stays asleep until
 * `advance` passes its time (or its signal aborts), so a test can show that nothing happens
 * meanwhile without waiting real time for it.
 */
export function manualClock() {
  let now = 0;
  const sleepers = new Set<Sleeper>();
  const clock: Clock = {
    now: () => ({ at: new Date(Date.UTC(2026, 0, 5, 9) + now).toISOString(), mono: now, clock: 'manual' }),
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        const sleeper: Sleeper = {
          until: now + ms,
          ms,
          wake: () => {
            sleepers.delete(sleeper);
            signal?.removeEventListener('abort', sleeper.wake);
            resolve();
          },
        };
        sleepers.add(sleeper);
        signal?.addEventListener('abort', sleeper.wake, { once: true });
      }),
  };
  return {
    clock,
    /** Moves time on by `ms`, waking every sleep that ends by then. */
    advance(ms: number): void {
      now += ms;
      for (const sleeper of [...sleepers]) if (sleeper.until <= now) sleeper.wake();
    },
    /** How long each sleep going on now was asked to last. */
    sleeping: (): number[] => [...sleepers].map((sleeper) => sleeper.ms),
  };
}
