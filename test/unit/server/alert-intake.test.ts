import { describe, expect, it } from 'vitest';
import { Drill } from '../../../src/catalogue/drill-schema.js';
import type { Clock } from '../../../src/engine/clock.js';
import type { RunEvent } from '../../../src/engine/events.js';
import type { RunStore, RunSummary } from '../../../src/engine/ports.js';
import { ScoredRunError } from '../../../src/engine/scored-run-error.js';
import { takeAlerts } from '../../../src/server/alert-intake.js';

const drill = Drill.parse({
  id: 'flag-outage',
  title: 'flag outage',
  kind: 'command',
  target: { inject: 'true', undo: 'true' },
  severity: 'low',
  objectives: { rto: '1m' },
  detection: { alerts: [{ match: ['alertname=ShopDown'] }] },
  steadyState: { probes: [{ type: 'command', run: 'true' }] },
  recovery: { mode: 'manual' },
  maxDuration: '10m',
});

const run: RunSummary = { id: '3f2a9c41-0000-4000-8000-000000000001', drill: 'flag-outage', environment: 'staging', outcome: null, createdAt: '2026-11-30T10:00:00.000Z', finishedAt: null };
const clock: Clock = { now: () => ({ at: '2026-11-30T10:01:00.000Z', mono: 60_000, clock: 'intake' }), sleep: async () => undefined };
const injected = { type: 'injected', seq: 2, at: '2026-11-30T10:00:30.000Z', mono: 30_000, clock: 'runner' } as RunEvent;

/** A run listed as active that finishes before the alert is journaled: the store refuses the append. */
function racingStore(refusal: Error): RunStore {
  return {
    active: async () => [run],
    events: async () => [injected],
    append: async (runId: string, body: { type: RunEvent['type'] }) => {
      throw refusal instanceof ScoredRunError ? new ScoredRunError(runId, body.type) : refusal;
    },
  } as unknown as RunStore;
}

const firing = [{ source: 'alertmanager' as const, name: 'ShopDown', status: 'firing' as const, labels: { alertname: 'ShopDown' }, startsAt: undefined }];

describe('alert intake and runs that finish meanwhile', () => {
  it('a run that finished between listing and journaling hears nothing, and the alert counts for nothing', async () => {
    const result = await takeAlerts(firing, { store: racingStore(new ScoredRunError(run.id, 'detected')), clock, drillFor: () => drill });
    expect(result).toEqual({ detections: 0, ignored: 0 });
  });

  it('any other failure of the store is still an error', async () => {
    await expect(takeAlerts(firing, { store: racingStore(new Error('connection lost')), clock, drillFor: () => drill })).rejects.toThrow('connection lost');
  });
});
