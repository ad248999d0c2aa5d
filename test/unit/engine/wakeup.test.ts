import { describe, expect, it } from 'vitest';
import { Wakeup } from '../../../src/engine/wakeup.js';

describe('Wakeup', () => {
  it('ends the sleep at a wake-up and not before', () => {
    const wakeup = new Wakeup();
    wakeup.checking();
    const signal = wakeup.sleepSignal(new AbortController().signal);
    expect(signal.aborted).toBe(false);
    wakeup.wake();
    expect(signal.aborted).toBe(true);
  });

  it('remembers a wake-up that came during the check, and forgets one the check answered', () => {
    const wakeup = new Wakeup();
    wakeup.checking();
    wakeup.wake();
    expect(wakeup.sleepSignal(new AbortController().signal).aborted).toBe(true);
    wakeup.checking();
    expect(wakeup.sleepSignal(new AbortController().signal).aborted).toBe(false);
  });

  it('ends the sleep when the run stops', () => {
    const stop = new AbortController();
    const signal = new Wakeup().sleepSignal(stop.signal);
    stop.abort();
    expect(signal.aborted).toBe(true);
  });
});
