import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { forkedAtMs, processStart } from '../../../src/cli/process-start.js';
import { TRANSPORT_ALLOWANCE_MS } from '../../../src/engine/arrival.js';
import { systemClock } from '../../../src/engine/clock.js';

/** /proc as Linux shows it: a command name with a space and a parenthesis, starttime (field 22) 1318771 ticks. */
const STAT = '30966 (fire drill) x) R 27317 27317 27706 0 -1 4194304 126 0 0 0 0 0 0 0 20 0 1 0 1318771 3133440 379 18446744073709551615';
const proc = (uptime: string) => (path: string) => {
  if (path === '/proc/self/stat') return STAT;
  if (path === '/proc/uptime') return uptime;
  throw new Error(`ENOENT: ${path}`);
};

describe('when the firedrill process was forked', () => {
  it('is its start on the boot clock, placed on the wall clock by the uptime, one tick early', () => {
    // Booted at wall time 1_000_000 ms; now is 13187.74 s after boot; the process started at tick 1318771 (13187.71 s).
    const now = 1_000_000 + 13_187_740;
    expect(forkedAtMs(proc('13187.74 3560.49\n'), now)).toBeCloseTo(1_000_000 + 13_187_710 - 10, 6);
  });

  it('is unknown without /proc, and the bracket is then the transport allowance', () => {
    expect(forkedAtMs(() => { throw new Error('ENOENT'); }, 5)).toBeUndefined();
    const arrival = processStart(systemClock(), () => { throw new Error('ENOENT'); });
    expect(arrival.transportMs).toBe(TRANSPORT_ALLOWANCE_MS);
    expect(arrival.at.at).toBe(new Date(performance.timeOrigin).toISOString());
  });

  it('reaches back to the fork when exec took longer than the allowance (a machine too busy to schedule it)', () => {
    // Forked 300 ms before Node's time origin.
    const uptimeAtOrigin = 13_187.71 + 0.3;
    const read = proc(`${(uptimeAtOrigin + performance.now() / 1_000).toFixed(2)} 0`);
    const arrival = processStart(systemClock(), read);
    expect(arrival.transportMs).toBeGreaterThanOrEqual(300);
    expect(arrival.transportMs).toBeLessThanOrEqual(330);
  });

  it('reads the real /proc of this process to a time before its Node started', () => {
    const forked = forkedAtMs((path) => readFileSync(path, 'utf8'), performance.timeOrigin + performance.now());
    if (forked === undefined) return expect(process.platform).not.toBe('linux');
    expect(forked).toBeLessThanOrEqual(performance.timeOrigin);
    expect(performance.timeOrigin - forked).toBeLessThan(60_000);
  });
});
