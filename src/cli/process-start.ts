import { readFileSync } from 'node:fs';
import { TRANSPORT_ALLOWANCE_MS, type Arrival } from '../engine/arrival.js';
import type { Clock } from '../engine/clock.js';

/** /proc counts in USER_HZ ticks, 100 a second on every Linux. */
const TICK_MS = 10;

/**
 * When `firedrill` started, for `firedrill detected`: its `performance.timeOrigin`, taken as
 * Node starts, before any module loads or the store opens. The person ran the command a little
 * earlier (fork and exec: a few milliseconds, far more on a machine too busy to schedule the new
 * process), so the bracket reaches back to when the kernel forked the process where /proc says
 * so, and by the transport allowance otherwise.
 */
export function processStart(clock: Clock, read: (path: string) => string = (path) => readFileSync(path, 'utf8')): Arrival {
  const startedMs = performance.timeOrigin;
  const at = { at: new Date(startedMs).toISOString(), mono: 0, clock: clock.now().clock };
  const forked = forkedAtMs(read, performance.timeOrigin + performance.now());
  const transportMs = forked === undefined ? TRANSPORT_ALLOWANCE_MS : Math.max(TRANSPORT_ALLOWANCE_MS, startedMs - forked);
  return { at, transportMs };
}

/**
 * The wall-clock time the kernel created this process, no later than the truth: its start
 * (/proc/self/stat, ticks since boot, rounded down) on the boot clock, placed on the wall
 * clock with /proc/uptime read `nowMs` (rounded down too, so boot may seem up to one tick
 * later): one tick is taken off for that. Undefined where there is no /proc (macOS).
 */
export function forkedAtMs(read: (path: string) => string, nowMs: number): number | undefined {
  try {
    const stat = read('/proc/self/stat');
    // Fields after the command name, which may hold spaces: state is field 3, starttime field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = Number(fields[22 - 3]);
    const uptimeSeconds = Number(read('/proc/uptime').split(' ')[0]);
    if (!Number.isFinite(startTicks) || !Number.isFinite(uptimeSeconds)) return undefined;
    const bootMs = nowMs - uptimeSeconds * 1_000;
    return bootMs + startTicks * TICK_MS - TICK_MS;
  } catch {
    return undefined;
  }
}
