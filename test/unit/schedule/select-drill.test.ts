import { chiSquare } from '../../support/chi-square.js';
import { describe, expect, it } from 'vitest';
import { Drill } from '../../../src/catalogue/drill-schema.js';
import type { RunSummary } from '../../../src/engine/ports.js';
import { Schedule } from '../../../src/schedule/schedule-schema.js';
import { selectDrill } from '../../../src/schedule/select-drill.js';

const drill = (id: string, weight: number) =>
  Drill.parse({
    id,
    title: id,
    kind: 'drop-table',
    severity: 'low',
    weight,
    target: { table: 'public.orders' },
    objectives: { rto: '1m' },
    steadyState: { probes: [{ type: 'sql', query: 'select 1' }] },
    recovery: { mode: 'manual' },
    maxDuration: '5m',
  });

const drills = [drill('a', 1), drill('b', 2), drill('c', 3), drill('d', 4)];
const now = new Date('2027-03-03T10:00:00Z');
const schedule = (fields: Record<string, unknown> = {}) =>
  Schedule.parse({ name: 'weekly', environment: 'staging', cron: '0 10 * * 3', cooldown: '21d', ...fields });
const ran = (drillId: string, daysAgo: number, outcome: RunSummary['outcome'] = 'pass'): RunSummary => ({
  id: `${drillId}-${daysAgo}`,
  drill: drillId,
  environment: 'staging',
  outcome,
  createdAt: new Date(now.getTime() - daysAgo * 86_400_000).toISOString(),
  finishedAt: null,
});

describe('picking a scheduled drill', () => {
  it('follows the weights: chi-square over 20,000 seeded picks stays within bounds', () => {
    const counts = new Map<string, number>();
    const picks = 20_000;
    for (let i = 0; i < picks; i++) {
      const { drill: picked } = selectDrill(schedule({ cooldown: undefined }), drills, [], now, `seed-${i}`);
      counts.set(picked!.id, (counts.get(picked!.id) ?? 0) + 1);
    }
    // 3 degrees of freedom: p = 0.001 at 16.27.
    expect(chiSquare(counts, drills, picks)).toBeLessThan(16.27);
  });

  it('is reproducible from the recorded seed, and says why it picked what', () => {
    const first = selectDrill(schedule(), drills, [], now, 'c0ffee');
    const again = selectDrill(schedule(), drills, [], now, 'c0ffee');
    expect(again.drill?.id).toBe(first.drill?.id);
    expect(first.reason).toMatch(new RegExp(`^picked ${first.drill!.id} at random \\(weight \\d of 10, seed c0ffee\\) from a, b, c, d$`));
  });

  it('leaves out drills that ran within the cooldown, but not refused ones or old ones', () => {
    const history = [ran('d', 3), ran('c', 30), ran('b', 2, 'refused')];
    for (let i = 0; i < 200; i++) {
      const { drill: picked, reason } = selectDrill(schedule(), drills, history, now, `s${i}`);
      expect(picked?.id).not.toBe('d');
      expect(reason).toContain('left out: d (ran 3d ago, cooldown 21d)');
    }
  });

  it('only picks from the schedule subset, and says so when everything is cooling down', () => {
    const subset = schedule({ drills: ['a', 'b'] });
    for (let i = 0; i < 50; i++) expect(['a', 'b']).toContain(selectDrill(subset, drills, [], now, `s${i}`).drill?.id);
    const none = selectDrill(subset, drills, [ran('a', 1), ran('b', 2)], now, 'x');
    expect(none.drill).toBeUndefined();
    expect(none.reason).toBe('no drill to pick in staging; left out: a (ran 1d ago, cooldown 21d), b (ran 2d ago, cooldown 21d)');
  });

  it('runs a fixed drill regardless of the cooldown', () => {
    const fixed = selectDrill(schedule({ pick: 'c' }), drills, [ran('c', 1)], now, 'x');
    expect(fixed.drill?.id).toBe('c');
    expect(selectDrill(schedule({ pick: 'zzz' }), drills, [], now, 'x').drill).toBeUndefined();
  });
});
