import { elapsedMs } from './events.js';
import type { Journal } from './journal.js';
import type { Probe } from './ports.js';
import type { RunSignals } from './run-signals.js';
import { Wakeup } from './wakeup.js';

/** Checks of one guard are spaced at least this far apart, whatever wakes them. */
const MIN_GUARD_SPACING_MS = 50;

export interface GuardWatch {
  /** Resolves once every guard was checked once (and a red one journaled): inject only after it. */
  readonly checkedOnce: Promise<void>;
  /** Stops checking; resolves once a check in flight (and its journaling) is over. */
  stop(): Promise<void>;
}

/**
 * Checks the drill's guards (what it must not hurt) every `intervalMs` until stopped. The
 * first guard seen red is journaled as `guard-tripped`, which the run's signals take as an
 * abort: the injection stops, the recovery watch ends and the recorded undo runs at once.
 * One red check trips it, as a stop condition should; a guard that must tolerate blips says
 * so itself (a Prometheus query over a window, a command that retries).
 */
export function watchGuards(input: { journal: Journal; guards: readonly Probe[]; intervalMs: number; signals: RunSignals }): GuardWatch {
  const { journal, guards, intervalMs, signals } = input;
  if (guards.length === 0) return { checkedOnce: Promise.resolve(), stop: async () => undefined };
  const stopped = new AbortController();
  const wakeup = new Wakeup();
  stopped.signal.addEventListener('abort', () => wakeup.wake(), { once: true });

  let firstRound!: () => void;
  const checkedOnce = new Promise<void>((resolve) => (firstRound = resolve));
  const loop = async () => {
    const unwatch = (await Promise.all(guards.map((guard) => guard.watch?.(() => wakeup.wake())))).filter((stop) => stop !== undefined);
    try {
      while (!stopped.signal.aborted) {
        const checkStart = journal.clock.now();
        wakeup.checking();
        const red = await firstRed(guards);
        if (!red) firstRound();
        // Not journaled (the store is away): nothing may be injected; the next round tries again.
        else if (!stopped.signal.aborted && (await trip(journal, signals, red))) return;
        await journal.clock.sleep(intervalMs, wakeup.sleepSignal());
        const spacing = MIN_GUARD_SPACING_MS - elapsedMs(checkStart, journal.clock.now());
        if (spacing > 0) await journal.clock.sleep(spacing, stopped.signal);
      }
    } finally {
      await Promise.all(unwatch.map((stop) => stop()));
    }
  };
  const running = loop()
    .catch(() => undefined)
    .finally(() => firstRound());
  return {
    checkedOnce,
    async stop() {
      stopped.abort();
      await running;
    },
  };
}

/**
 * Journals the trip and hears it at once (the store's feed tells every other process). When the
 * store cannot take it, false: the guard is checked again next round and tripped then.
 */
async function trip(journal: Journal, signals: RunSignals, red: { name: string; detail: string }): Promise<boolean> {
  try {
    signals.handle(await journal.append({ type: 'guard-tripped', guard: red.name, detail: red.detail }));
    return true;
  } catch {
    return false;
  }
}

/** Every guard is checked each round, so the journal names the one that is red, not merely the first asked. */
async function firstRed(guards: readonly Probe[]): Promise<{ name: string; detail: string } | undefined> {
  const results = await Promise.all(
    guards.map(async (guard) => {
      try {
        return { name: guard.name, ...(await guard.check()) };
      } catch (error) {
        return { name: guard.name, ok: false, detail: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
  return results.find((result) => !result.ok);
}
