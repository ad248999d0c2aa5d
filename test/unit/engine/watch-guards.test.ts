import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/engine/clock.js';
import type { EventBody, Instant, RunEvent } from '../../../src/engine/events.js';
import { Journal } from '../../../src/engine/journal.js';
import type { Probe, RunStore } from '../../../src/engine/ports.js';
import { RunSignals } from '../../../src/engine/run-signals.js';
import { watchGuards } from '../../../src/engine/watch-guards.js';

/** Only what a Journal uses; `down` makes appends fail, as a store in an outage does. */
function memoryJournal() {
  const events: RunEvent[] = [];
  const state = { down: false };
  const store = {
    append: async (_runId: string, body: EventBody, when: Instant) => {
      if (state.down) throw new Error('connection refused');
      const event = { ...body, ...when, seq: events.length + 1 } as RunEvent;
      events.push(event);
      return event;
    },
  } as unknown as RunStore;
  return { journal: new Journal('run-1', store, systemClock()), events, state };
}

function settableGuard(name: string) {
  const guard = { green: true, checks: 0 };
  const probe: Probe = { name, check: async () => (guard.checks++, { ok: guard.green, detail: guard.green ? 'HTTP 200' : 'HTTP 503' }) };
  return { probe, guard };
}

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('watching guards', () => {
  it('checks every guard once before anything is injected, then trips on the first red one as an abort', async () => {
    const { journal, events } = memoryJournal();
    const site = settableGuard('production site');
    const budget = settableGuard('error budget');
    const signals = new RunSignals();
    const watch = watchGuards({ journal, guards: [site.probe, budget.probe], intervalMs: 10, signals });
    await watch.checkedOnce;
    expect([site.guard.checks, budget.guard.checks]).toEqual([1, 1]);
    expect(signals.abortRequested).toBeUndefined();

    budget.guard.green = false;
    const abort = await signals.aborted(AbortSignal.timeout(5_000));
    expect(abort).toEqual({ by: 'guard error budget', reason: 'HTTP 503', guard: 'error budget' });
    await watch.stop();
    expect(events.filter((event) => event.type === 'guard-tripped')).toHaveLength(1);
  });

  it('keeps the injection waiting while a red guard cannot be journaled, and trips once the store is back', async () => {
    const { journal, events, state } = memoryJournal();
    const site = settableGuard('production site');
    site.guard.green = false;
    state.down = true;
    const signals = new RunSignals();
    const watch = watchGuards({ journal, guards: [site.probe], intervalMs: 10, signals });
    let checked = false;
    void watch.checkedOnce.then(() => (checked = true));
    await until(() => site.guard.checks >= 3);
    expect(checked).toBe(false);

    state.down = false;
    await watch.checkedOnce;
    expect(signals.abortRequested?.guard).toBe('production site');
    expect(events.map((event) => event.type)).toEqual(['guard-tripped']);
    await watch.stop();
  });
});
