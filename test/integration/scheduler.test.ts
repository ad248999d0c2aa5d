import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Drill } from '../../src/catalogue/drill-schema.js';
import type { RunStore } from '../../src/engine/ports.js';
import type { ScheduleStore } from '../../src/schedule/ports.js';
import { Schedule } from '../../src/schedule/schedule-schema.js';
import { MISSED_AFTER_MS, Scheduler } from '../../src/schedule/scheduler.js';
import { openPostgresStores } from '../../adapters/postgres/run-store.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

let postgres: TestPostgres;
let runs: RunStore;
let schedules: ScheduleStore;
let database = 0;

const drill = (id: string) =>
  Drill.parse({
    id,
    title: id,
    kind: 'drop-table',
    severity: 'low',
    target: { table: 'public.orders' },
    objectives: { rto: '1m' },
    steadyState: { probes: [{ type: 'sql', query: 'select 1' }] },
    recovery: { mode: 'manual' },
    maxDuration: '5m',
  });

const weekly = (fields: Record<string, unknown> = {}) =>
  Schedule.parse({
    name: 'weekly-staging',
    cron: '0 10 * * 3',
    timezone: 'Europe/London',
    environment: 'staging',
    announce: '15m',
    blackout: [{ weekdays: ['fri'] }, { when: 'an incident is open' }],
    postpone: { delay: '1d', maxTimes: 1 },
    ...fields,
  });

interface Harness {
  scheduler: Scheduler;
  said: string[];
  started: string[];
}

function harness(schedule = weekly()): Harness {
  const said: string[] = [];
  const started: string[] = [];
  const scheduler = new Scheduler({
    schedules: [schedule],
    store: schedules,
    runs,
    drillsFor: () => [drill('drop-orders-table'), drill('drop-orders-table-manual')],
    startRun: (picked) => started.push(picked.id),
    announce: async (_schedule, text) => void said.push(text),
    newSeed: () => 'fixed-seed',
  });
  return { scheduler, said, started };
}

const at = (iso: string) => vi.setSystemTime(new Date(iso));

beforeAll(async () => {
  postgres = await startTestPostgres();
});
afterAll(async () => {
  await postgres?.stop();
});
beforeEach(async () => {
  // A fresh database per test: the schedule state of one test must not leak into the next.
  database++;
  await postgres.createDatabase(`schedules${database}`);
  ({ runs, schedules } = await openPostgresStores(postgres.url(`schedules${database}`)));
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterEach(async () => {
  vi.useRealTimers();
  await runs.close();
});

describe('the weekly scheduler', () => {
  it('plans, announces, then starts the drill, and survives a restart between announce and start', async () => {
    at('2027-03-01T09:00:00Z'); // a Monday
    const first = harness();
    await first.scheduler.tick();
    expect(first.said).toEqual([]);
    at('2027-03-03T09:46:00Z'); // 14 minutes before Wednesday 10:00 GMT
    await first.scheduler.tick();
    expect(first.said).toEqual([
      'weekly-staging: a random drill starts in staging at Wed 2027-03-03 10:00 Europe/London. Postpone it: firedrill postpone weekly-staging',
    ]);

    // firedrill restarts: a new process reads the state from the store and does not announce again.
    const second = harness();
    await second.scheduler.tick();
    expect(second.said).toEqual([]);
    at('2027-03-03T10:00:05Z');
    await second.scheduler.tick();
    expect(second.started).toHaveLength(1);
    expect(second.said[0]).toMatch(/^weekly-staging: starting drop-orders-table(-manual)? in staging: picked .* seed fixed-seed/);
    const [occurrence] = await schedules.recent('weekly-staging', 1);
    expect(occurrence).toMatchObject({ status: 'started', seed: 'fixed-seed' });
  });

  it('does not run a start that passed while firedrill was down, and says so', async () => {
    at('2027-03-03T09:00:00Z');
    await harness().scheduler.tick();
    at(new Date(Date.parse('2027-03-03T10:00:00Z') + MISSED_AFTER_MS + 5_000).toISOString());
    const later = harness();
    await later.scheduler.tick();
    expect(later.started).toEqual([]);
    expect(later.said).toEqual([
      'weekly-staging: missed: firedrill was not running at Wed 2027-03-03 10:00 Europe/London, so that drill did not start (not run late); next: Wed 2027-03-10 10:00 Europe/London',
    ]);
  });

  it('skips while an incident is open, and on blackout days, saying why and when the next one is', async () => {
    at('2027-03-03T09:59:00Z');
    const run = harness();
    await run.scheduler.tick();
    await schedules.openIncident('oncall', 'db failover');
    at('2027-03-03T10:00:01Z');
    await run.scheduler.tick();
    expect(run.started).toEqual([]);
    expect(run.said.at(-1)).toBe(
      'weekly-staging: skipped the Wed 2027-03-03 10:00 Europe/London drill: an incident is open; next: Wed 2027-03-10 10:00 Europe/London',
    );
    await schedules.closeIncident();

    const friday = harness(weekly({ name: 'friday', cron: '0 10 * * 5', announce: '15m' }));
    at('2027-03-05T09:50:00Z');
    await friday.scheduler.tick();
    expect(friday.said).toEqual([
      'friday: skipped the Fri 2027-03-05 10:00 Europe/London drill: no drills on fri (blackout); next: Fri 2027-03-12 10:00 Europe/London',
    ]);
  });

  it('skips while another run is active in the environment', async () => {
    at('2027-03-03T09:59:00Z');
    const run = harness();
    await run.scheduler.tick();
    const active = await runs.createRun({ drill: 'drop-orders-table', environment: 'staging' });
    expect(active.ok).toBe(true);
    at('2027-03-03T10:00:01Z');
    await run.scheduler.tick();
    expect(run.started).toEqual([]);
    expect(run.said.at(-1)).toContain('skipped the Wed 2027-03-03 10:00 Europe/London drill: another run is active in staging');
  });

  it('postpones by the configured delay, at most maxTimes, and re-announces', async () => {
    at('2027-03-03T09:50:00Z');
    const run = harness();
    await run.scheduler.tick();
    expect(await run.scheduler.postpone('weekly-staging', 'alice')).toBe(
      'alice postponed the weekly-staging drill by 1d to Thu 2027-03-04 10:00 Europe/London',
    );
    await expect(run.scheduler.postpone('weekly-staging', 'bob')).rejects.toThrow('already postponed 1 times, the most allowed');
    await expect(run.scheduler.postpone('nope', 'bob')).rejects.toThrow('no schedule "nope"');
    at('2027-03-03T10:00:30Z');
    await run.scheduler.tick();
    expect(run.started).toEqual([]);
    at('2027-03-04T09:46:00Z');
    await run.scheduler.tick();
    expect(run.said.at(-1)).toContain('starts in staging at Thu 2027-03-04 10:00 Europe/London');
    at('2027-03-04T10:00:00Z');
    await run.scheduler.tick();
    expect(run.started).toHaveLength(1);
  });

  it('starts within the jitter window, at a moment reproducible from the seed', async () => {
    at('2027-03-03T08:00:00Z');
    const run = harness(weekly({ announce: undefined, jitter: '2h' }));
    await run.scheduler.tick();
    const [planned] = await schedules.recent('weekly-staging', 1);
    const offset = planned!.startAt.getTime() - Date.parse('2027-03-03T10:00:00Z');
    expect(offset).toBeGreaterThanOrEqual(0);
    expect(offset).toBeLessThan(2 * 3_600_000);
    at(new Date(planned!.startAt.getTime() - 1_000).toISOString());
    await run.scheduler.tick();
    expect(run.started).toEqual([]);
    at(planned!.startAt.toISOString());
    await run.scheduler.tick();
    expect(run.started).toHaveLength(1);
  });
});
