import { describe, expect, it } from 'vitest';
import { Wakeup } from '../../../src/engine/wakeup.js';

describe('Wakeup', () => {
  it('ends the sleep at a wake-up and not before', () => {
    const wakeup = new Wakeup();
    wakeup.checking();
    const signal = wakeup.sleepSignal();
    expect(signal.aborted).toBe(false);
    wakeup.wake();
    expect(signal.aborted).toBe(true);
  });

  it('remembers a wake-up that came during the check, and forgets one the check answered', () => {
    const wakeup = new Wakeup();
    wakeup.checking();
    wakeup.wake();
    expect(wakeup.sleepSignal().aborted).toBe(true);
    wakeup.checking();
    expect(wakeup.sleepSignal().aborted).toBe(false);
  });
});
